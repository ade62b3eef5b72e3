/**
 * The locks that make find-or-create and token refreshes happen once: in one process, and through a real
 * Redis across clients (each RedisLocks here has its own connection, as each n8n worker has).
 */
import Redis from 'ioredis';

import {
	InProcessLocks,
	RedisLocks,
	sleep,
} from '../../../../../nodes/PinterestAudienceSync/engine/coordination';
import { startRedisServer, type RedisServer } from '../../../../queue-mode/redisServer';

jest.setTimeout(60_000);

let redis: RedisServer;
const clients: Redis[] = [];

beforeAll(async () => {
	redis = await startRedisServer();
});

afterAll(async () => {
	for (const client of clients) client.disconnect();
	await redis?.stop();
});

function connection(): Redis {
	const client = new Redis({ host: redis.host, port: redis.port, lazyConnect: false });
	clients.push(client);
	return client;
}

function redisLocks(leaseMs?: number): RedisLocks {
	const client = connection();
	return new RedisLocks(() => client, {
		leaseMs,
		onCommandFailed: (error) => (error instanceof Error ? error : new Error(String(error))),
	});
}

/** Runs `work` for each caller at once and records the most that ran together. */
async function mostAtOnce(
	callers: Array<(work: () => Promise<void>) => Promise<void>>,
	workMs: number,
): Promise<number> {
	let running = 0;
	let most = 0;
	await Promise.all(
		callers.map((run) =>
			run(async () => {
				running++;
				most = Math.max(most, running);
				await sleep(workMs);
				running--;
			}),
		),
	);
	return most;
}

it('in one process: work under the same key runs one at a time, other keys in parallel', async () => {
	const locks = new InProcessLocks();
	expect(
		await mostAtOnce(
			Array.from({ length: 5 }, () => (work) => locks.run('a', work)),
			20,
		),
	).toBe(1);
	expect(
		await mostAtOnce(
			['a', 'b', 'c'].map((key) => (work) => locks.run(key, work)),
			20,
		),
	).toBe(3);
	// A failure releases the key.
	await expect(locks.run('a', () => Promise.reject(new Error('failed')))).rejects.toThrow('failed');
	await expect(locks.run('a', async () => 'next')).resolves.toBe('next');
});

it('across connections: work under the same key runs one at a time', async () => {
	const workers = Array.from({ length: 4 }, () => redisLocks());
	expect(
		await mostAtOnce(
			workers.map((locks) => (work) => locks.run('same', work)),
			100,
		),
	).toBe(1);
	expect(await connection().exists('pinterest-audience-sync:lock:same')).toBe(0);
});

it('a holder working longer than the lease keeps the lock (renewed while held)', async () => {
	const [first, second] = [redisLocks(1000), redisLocks(1000)];
	const order: string[] = [];
	await Promise.all([
		first.run('long', async () => {
			order.push('first in');
			await sleep(2500);
			order.push('first out');
		}),
		sleep(50).then(() => second.run('long', async () => order.push('second in'))),
	]);
	expect(order).toEqual(['first in', 'first out', 'second in']);
});

it('a holder that died frees the key when its lease ends', async () => {
	// A worker that took the lock and stopped: its key, with no one renewing it.
	await connection().set('pinterest-audience-sync:lock:dead', 'token-of-a-dead-worker', 'PX', 400);
	const locks = redisLocks();
	await expect(locks.run('dead', async () => 'acquired')).resolves.toBe('acquired');
});

it("a holder whose lease ran out does not release the next holder's lock", async () => {
	const admin = connection();
	const [late, next] = [redisLocks(60_000), redisLocks(60_000)];
	let nextHolds!: () => void;
	const nextReleased = new Promise<void>((resolve) => (nextHolds = resolve));
	await late.run('handover', async () => {
		// The lease ends while the holder is paused (simulated: the key is gone), and another takes it.
		await admin.del('pinterest-audience-sync:lock:handover');
		void next.run('handover', () => nextReleased);
		while ((await admin.exists('pinterest-audience-sync:lock:handover')) === 0) await sleep(10);
	});
	// The late holder's release left the next holder's key alone.
	expect(await admin.exists('pinterest-audience-sync:lock:handover')).toBe(1);
	nextHolds();
});
