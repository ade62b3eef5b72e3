/**
 * Mirror in queue mode with a real Redis: the memory of a list lives in Redis, so a worker process sees
 * what another one synced, and two workers mirroring one list at once take turns (never a torn memory).
 */
import { spawnSync } from 'child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { hashedEmail, startEmulator, type Emulator } from '../../emulator';
import { startRedisServer, type RedisServer } from './redisServer';
import type { WorkerInput, WorkerOutput } from './syncWorker';
import { spawnWorker } from './workers';

jest.setTimeout(180_000);

let redis: RedisServer;
let emu: Emulator;
let scratch: string;

beforeAll(async () => {
	redis = await startRedisServer();
	scratch = mkdtempSync(join(tmpdir(), 'pas-mirror-redis-'));
	emu = await startEmulator({ latencyMs: 20 });
});

afterAll(async () => {
	await emu?.close();
	await redis?.stop();
	rmSync(scratch, { recursive: true, force: true });
});

const AUDIENCE = 'Mirror in queue mode';

/** Worker processes mirroring users [from, to) each, started together. */
async function mirrorInWorkers(ranges: Array<[number, number]>): Promise<WorkerOutput[]> {
	const signal = join(scratch, `go-${Date.now()}`);
	const workers = ranges.map(([from, to]) => {
		const input: WorkerInput = {
			apiBaseUrl: emu.apiBaseUrl,
			accessToken: emu.demo.accessToken,
			adAccountId: emu.demo.adAccountId,
			audienceName: AUDIENCE,
			users: to - from,
			firstUser: from,
			emailPrefix: 'mirror-',
			requestsPerSecond: 7,
			action: 'mirror',
			startSignal: signal,
		};
		// A user folder of its own per worker: only Redis can carry the memory from one to the other.
		return spawnWorker(input, {
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: '127.0.0.1',
			QUEUE_BULL_REDIS_PORT: String(redis.port),
			N8N_USER_FOLDER: mkdtempSync(join(scratch, 'n8n-')),
		});
	});
	await Promise.all(workers.map((w) => w.ready));
	writeFileSync(signal, 'go');
	return Promise.all(workers.map((w) => w.result));
}

function listEquals(customerListId: string, from: number, to: number): boolean {
	const held = emu.listRecords(emu.demo.adAccountId, customerListId);
	if (held.size !== to - from) return false;
	for (let u = from; u < to; u++)
		if (!held.has(hashedEmail(`mirror-${u}@example.com`))) return false;
	return true;
}

const redisCli = (...args: string[]): string =>
	spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(redis.port), ...args], {
		encoding: 'utf8',
	}).stdout.trim();

it('a second worker process removes what the first one added and the second input lacks', async () => {
	const [first] = await mirrorInWorkers([[0, 3000]]);
	expect(first).toMatchObject({
		usersSynced: 3000,
		usersAdded: 3000,
		usersRemoved: 0,
		usersErrored: 0,
	});
	const customerListId = first.customerListId as string;
	// One binary value: a 12-byte header and 32 bytes per member; a lock key only while a run holds it.
	const key = `pinterest-audience-sync:mirror:${emu.demo.adAccountId}-${customerListId}-email`;
	expect(redisCli('STRLEN', key)).toBe(String(12 + 3000 * 32));
	expect(redisCli('EXISTS', `${key}:lock`)).toBe('0');

	const [second] = await mirrorInWorkers([[1000, 4000]]);
	expect(second).toMatchObject({
		customerListId,
		usersSynced: 3000,
		usersAdded: 1000,
		usersUnchanged: 2000,
		usersRemoved: 1000,
	});
	expect(listEquals(customerListId, 1000, 4000)).toBe(true);
});

it('two workers mirroring one list at once take turns: the list and the memory match the later run', async () => {
	const outputs = await mirrorInWorkers([
		[2000, 5000],
		[3000, 6000],
	]);
	for (const output of outputs)
		expect(output).toMatchObject({ usersSynced: 3000, usersErrored: 0, usersPending: 0 });
	const customerListId = outputs[0].customerListId as string;
	// The run that went second found the first one's memory, not the state before both.
	const later = listEquals(customerListId, 2000, 5000) ? 0 : 1;
	const range: [number, number] = later === 0 ? [2000, 5000] : [3000, 6000];
	expect(listEquals(customerListId, ...range)).toBe(true);
	// Either order: the later run moves the 1,000 users in which the two inputs differ.
	expect(outputs[later]).toMatchObject({ usersAdded: 1000, usersRemoved: 1000 });

	// The memory is whole: the same input again sends nothing.
	const since = emu.log.length;
	const [again] = await mirrorInWorkers([range]);
	expect(again).toMatchObject({ usersAdded: 0, usersRemoved: 0, usersUnchanged: 3000 });
	expect(emu.log.slice(since).filter((entry) => entry.method === 'PATCH')).toHaveLength(0);
});
