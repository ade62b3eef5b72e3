/**
 * The write starts shared through Redis against a real redis-server (started on a free loopback port,
 * no persistence unless a test says so) and, for spacing, the emulator as the judge of the rate limit.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import Redis from 'ioredis';
import { tmpdir } from 'os';
import { join } from 'path';

import { startEmulator } from '../../../../../emulator';
import { nowMs } from '../../../../../emulator/log';
import {
	RedisLimiterFactory,
	UserWriteLimiter,
	writeWindowFor,
} from '../../../../../nodes/PinterestAudienceSync/engine/rateLimit';
import {
	RedisConfigurationError,
	RedisLimiterUnavailable,
	redisChoiceFromEnvironment,
} from '../../../../../nodes/PinterestAudienceSync/engine/coordination';
import {
	closeProcessRuntimes,
	processRuntime,
} from '../../../../../nodes/PinterestAudienceSync/engine/runtime';
import { expectStartsWithinWindow, timedPatch } from '../../../../helpers/timedWrites';
import { freePort, startRedisServer, type RedisServer } from '../../../../queue-mode/redisServer';

jest.setTimeout(60_000);

/** Short in tests; the product default is 10 s. */
const UNAVAILABLE_AFTER_MS = 1000;
/** Generous: the bound is UNAVAILABLE_AFTER_MS, this only keeps a hang from passing. */
const BOUND_MS = UNAVAILABLE_AFTER_MS + 5000;

const factories: RedisLimiterFactory[] = [];
function factoryFor(port: number, extra: { password?: string } = {}): RedisLimiterFactory {
	const factory = new RedisLimiterFactory({
		redis: { host: '127.0.0.1', port, ...extra },
		unavailableAfterMs: UNAVAILABLE_AFTER_MS,
		settingsHint: 'test settings',
	});
	factories.push(factory);
	return factory;
}

let uniqueId = 0;
const limiterId = (): string => `pinterest-audience-sync:writes:test-${process.pid}-${++uniqueId}`;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function rejection(promise: Promise<unknown>): Promise<unknown> {
	try {
		await promise;
	} catch (error) {
		return error;
	}
	throw new Error('expected a rejection');
}

afterEach(async () => {
	for (const factory of factories.splice(0)) await factory.close();
	await closeProcessRuntimes();
});

describe('limiter choice from the environment (redisSettings, runtime)', () => {
	it('is in-process outside queue mode, and Redis with n8n defaults in queue mode', () => {
		expect(processRuntime({}).sharedAcrossProcesses).toBe(false);
		expect(processRuntime({ EXECUTIONS_MODE: 'regular' }).sharedAcrossProcesses).toBe(false);
		expect(redisChoiceFromEnvironment({ EXECUTIONS_MODE: 'queue' })?.redis).toEqual({
			host: 'localhost',
			port: 6379,
			db: 0,
		});
		const runtime = processRuntime({ EXECUTIONS_MODE: 'queue' });
		expect(runtime.sharedAcrossProcesses).toBe(true);
		expect(runtime.redisEndpoint).toBe('localhost:6379');
	});

	it("reads n8n's QUEUE_BULL_REDIS_* settings, including <NAME>_FILE", () => {
		const dir = mkdtempSync(join(tmpdir(), 'pas-env-'));
		try {
			writeFileSync(join(dir, 'password'), 'from-a-file');
			const choice = redisChoiceFromEnvironment({
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: 'redis.internal',
				QUEUE_BULL_REDIS_PORT: '6380',
				QUEUE_BULL_REDIS_DB: '3',
				QUEUE_BULL_REDIS_USERNAME: 'worker',
				QUEUE_BULL_REDIS_PASSWORD_FILE: join(dir, 'password'),
				QUEUE_BULL_REDIS_TLS: 'true',
				QUEUE_BULL_REDIS_DUALSTACK: 'true',
				PINTEREST_AUDIENCE_SYNC_REDIS_TIMEOUT_MS: '2500',
			});
			expect(choice).toMatchObject({
				redis: {
					host: 'redis.internal',
					port: 6380,
					db: 3,
					username: 'worker',
					password: 'from-a-file',
					tls: {},
					family: 0,
				},
				unavailableAfterMs: 2500,
			});
			expect(choice?.settingsHint).toMatch(/QUEUE_BULL_REDIS_HOST/);
		} finally {
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('lets PINTEREST_AUDIENCE_SYNC_REDIS_URL override, in any mode, and PINTEREST_AUDIENCE_SYNC_REDIS=off disable', () => {
		const url = 'redis://:p%40ss@cache.example:6390/2';
		const choice = redisChoiceFromEnvironment({
			EXECUTIONS_MODE: 'queue',
			QUEUE_BULL_REDIS_HOST: 'other',
			PINTEREST_AUDIENCE_SYNC_REDIS_URL: url,
		});
		expect(choice?.redis).toEqual({ host: 'cache.example', port: 6390, db: 2, password: 'p@ss' });
		expect(choice?.settingsHint).toMatch(/PINTEREST_AUDIENCE_SYNC_REDIS_URL/);
		expect(
			redisChoiceFromEnvironment({ PINTEREST_AUDIENCE_SYNC_REDIS_URL: 'rediss://user:pw@h' })
				?.redis,
		).toEqual({
			host: 'h',
			port: 6379,
			db: 0,
			username: 'user',
			password: 'pw',
			tls: {},
		});
		for (const off of ['off', 'OFF', 'false', '0']) {
			expect(
				processRuntime({
					EXECUTIONS_MODE: 'queue',
					PINTEREST_AUDIENCE_SYNC_REDIS_URL: url,
					PINTEREST_AUDIENCE_SYNC_REDIS: off,
				}).sharedAcrossProcesses,
			).toBe(false);
		}
	});

	it('refuses configurations it cannot honour, with a clear error', () => {
		expect(() =>
			redisChoiceFromEnvironment({
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_CLUSTER_NODES: 'a:7000,b:7001',
			}),
		).toThrow(RedisConfigurationError);
		expect(() =>
			redisChoiceFromEnvironment({ PINTEREST_AUDIENCE_SYNC_REDIS_URL: 'http://x' }),
		).toThrow(/redis:\/\//);
		expect(() =>
			redisChoiceFromEnvironment({ PINTEREST_AUDIENCE_SYNC_REDIS_URL: 'not a url' }),
		).toThrow(RedisConfigurationError);
		expect(() =>
			redisChoiceFromEnvironment({ EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: 'abc' }),
		).toThrow(/QUEUE_BULL_REDIS_PORT/);
	});

	it('is memoised: one runtime (one connection) per configuration and process', () => {
		const env = { EXECUTIONS_MODE: 'queue', QUEUE_BULL_REDIS_PORT: '6399' };
		expect(processRuntime(env)).toBe(processRuntime({ ...env }));
		expect(processRuntime(env)).not.toBe(processRuntime({ ...env, QUEUE_BULL_REDIS_DB: '1' }));
	});
});

describe('with a Redis server', () => {
	let redis: RedisServer;
	let inspector: Redis;

	beforeAll(async () => {
		redis = await startRedisServer();
		inspector = new Redis({ host: redis.host, port: redis.port });
	});

	afterAll(async () => {
		inspector?.disconnect();
		await redis?.stop();
	});

	it('two factories (two connections) with the same id share one spacing: the emulator sees no excess', async () => {
		const emu = await startEmulator({ writesPerSecond: 10, latencyMs: 5 });
		try {
			const id = limiterId();
			// 8/s on the limiter, 10/s allowed: two unshared limiters would send 16/s and be refused.
			const limiters = [
				new UserWriteLimiter(factoryFor(redis.port).create(id, writeWindowFor(8)), 8),
				new UserWriteLimiter(factoryFor(redis.port).create(id, writeWindowFor(8)), 8),
			];
			const writes = await Promise.all(
				Array.from({ length: 24 }, (_, n) =>
					limiters[n % 2].schedule((onSend) => timedPatch(emu, `spacing-${n}@example.com`, onSend)),
				),
			);
			expect(writes.map((w) => w.status)).toEqual(Array(24).fill(200));
			// The two limiters' starts together keep one 8-per-window rule.
			expectStartsWithinWindow(writes, 8);
			// Both used one record of starts in Redis for the id.
			expect(await inspector.zcard(`${id}:starts`)).toBeGreaterThan(0);
			expect(await inspector.zcard(`${id}:starts`)).toBeLessThanOrEqual(8);
		} finally {
			await emu.close();
		}
	});

	it("shares the 429 slow-down: one process's slow-down is every process's spacing", async () => {
		const id = limiterId();
		const first = new UserWriteLimiter(factoryFor(redis.port).create(id, writeWindowFor(7)), 7);
		const second = factoryFor(redis.port).create(id, writeWindowFor(7));
		await second.schedule(async () => undefined);
		// Only a slow-down is shared; the normal spacing is each caller's own.
		expect(await inspector.get(`${id}:slowdown`)).toBeNull();
		await first.onRateLimited();
		expect(await inspector.get(`${id}:slowdown`)).toBe('179');
		// Keys expire when unused (limiter ids carry the Pinterest user only).
		expect(await inspector.pttl(`${id}:slowdown`)).toBeGreaterThan(0);
		expect(await inspector.pttl(`${id}:starts`)).toBeGreaterThan(0);
		// A limiter created later in another process keeps that spacing after the latest start.
		await factoryFor(redis.port)
			.create(id, writeWindowFor(7))
			.schedule(async () => undefined);
		const scores = (await inspector.zrange(`${id}:starts`, 0, -1, 'WITHSCORES'))
			.filter((_, i) => i % 2 === 1)
			.map(Number);
		expect(scores).toHaveLength(2);
		expect(scores[1] - scores[0]).toBeGreaterThanOrEqual(179);
	});

	it('a slow-down left by a process that stopped writing is narrowed back by the others', async () => {
		const id = limiterId();
		const slowed = new UserWriteLimiter(factoryFor(redis.port).create(id, writeWindowFor(7)), 7);
		const other = factoryFor(redis.port).create(id, writeWindowFor(7));
		await other.schedule(async () => undefined);
		await slowed.onRateLimited();
		await slowed.onRateLimited();
		const shared = async (): Promise<string> => (await inspector.get(`${id}:slowdown`)) ?? 'none';
		expect(await shared()).toBe('358');
		// `slowed` has no more writes; the other process's successes narrow the shared spacing back.
		const seen = ['358'];
		for (let i = 0; i < 12; i++) {
			await other.schedule(async () => undefined);
			await eventually(async () => {
				const value = await shared();
				if (value === seen[seen.length - 1]) throw new Error('not narrowed yet');
				seen.push(value);
			}).catch(() => undefined);
			if (seen[seen.length - 1] === 'none') break;
		}
		// ×0.8 per success until 7 starts at that spacing fit the window anyway: then no shared slow-down.
		expect(seen).toEqual(['358', '286', '229', '183', 'none']);
	});

	it('idle limiter state expires from Redis, and the limiter starts again from its own settings', async () => {
		const factory = new RedisLimiterFactory({
			redis: { host: '127.0.0.1', port: redis.port },
			unavailableAfterMs: UNAVAILABLE_AFTER_MS,
			idleExpiryMs: 300,
		});
		factories.push(factory);
		const id = limiterId();
		const limiter = new UserWriteLimiter(factory.create(id, writeWindowFor(7)), 7);
		await limiter.onRateLimited();
		expect(await inspector.exists(`${id}:slowdown`)).toBe(1);
		await eventually(async () => {
			if ((await inspector.exists(`${id}:slowdown`)) !== 0) throw new Error('not expired yet');
		});
		await expect(limiter.schedule(async () => 'sent')).resolves.toBe('sent');
	});

	it("a dead process's starts stop counting once their window is over", async () => {
		const id = limiterId();
		const { slots, holdMs } = writeWindowFor(7);
		// What a worker killed right after starting 7 writes leaves in Redis.
		const [seconds, micros] = await inspector.time();
		const diedAt = Number(seconds) * 1000 + Number(micros) / 1000;
		for (let n = 0; n < slots; n++) await inspector.zadd(`${id}:starts`, diedAt, `dead ${n}`);
		const survivor = new UserWriteLimiter(factoryFor(redis.port).create(id, writeWindowFor(7)), 7);
		await survivor.schedule(async () => undefined);
		const starts = await inspector.zrange(`${id}:starts`, 0, -1, 'WITHSCORES');
		// The dead starts were dropped, and the survivor's start waited for exactly their window only.
		expect(starts.filter((member, i) => i % 2 === 0 && member.startsWith('dead'))).toEqual([]);
		const survivorStart = Number(starts[1]);
		expect(survivorStart).toBeGreaterThanOrEqual(diedAt + holdMs);
		expect(survivorStart).toBeLessThan(diedAt + 5000);
	});

	it('a start counts from when its request left, and keeps counting while the request waits', async () => {
		const id = limiterId();
		const { holdMs } = writeWindowFor(7);
		const limiter = new UserWriteLimiter(factoryFor(redis.port).create(id, writeWindowFor(7)), 7);
		const score = async (): Promise<number> =>
			Number((await inspector.zrange(`${id}:starts`, 0, 0, 'WITHSCORES'))[1]);
		let reservedAt = 0;
		let stillCountedAt = 0;
		await limiter.schedule(async (onSend) => {
			reservedAt = await score();
			// Longer than a window without being sent (e.g. waiting for a token refresh).
			await sleep(holdMs + 300);
			const [seconds, micros] = await inspector.time();
			const now = Number(seconds) * 1000 + Number(micros) / 1000;
			stillCountedAt = (await score()) + holdMs - now;
			onSend();
		});
		expect(reservedAt).toBeGreaterThan(0);
		// Renewed while unsent: still inside its window when it finally left.
		expect(stillCountedAt).toBeGreaterThan(0);
		// Moved to the send: later than the reservation by at least the wait.
		await eventually(async () => {
			if ((await score()) < reservedAt + holdMs + 300 - 5) throw new Error('not moved yet');
		});
	});

	it("a worker's first writes compare with every worker's answers: its slot is not held for the whole round trip", async () => {
		const redisNow = async (): Promise<number> => {
			const [seconds, micros] = await inspector.time();
			return Number(seconds) * 1000 + Number(micros) / 1000;
		};
		/** A new worker's first write, answered after `ms`: how long before its answer its start counts from. */
		async function firstWrite(id: string, ms: number): Promise<number> {
			const newcomer = new UserWriteLimiter(
				factoryFor(redis.port).create(id, writeWindowFor(7)),
				7,
			);
			await newcomer.schedule(async (onSend) => {
				onSend();
				await sleep(ms);
			});
			const answeredAt = await redisNow();
			// The start is moved after the answer, without the write waiting for Redis.
			await sleep(200);
			const starts = await inspector.zrange(`${id}:starts`, 0, -1, 'WITHSCORES');
			return answeredAt - Math.max(...starts.filter((_, i) => i % 2 === 1).map(Number));
		}
		// Alone, a newcomer knows no answer to compare with: its start counts from its answer.
		expect(await firstWrite(limiterId(), 500)).toBeLessThan(150);
		// Beside a worker whose answers took 500 ms, a newcomer's write answered in 520 ms may have
		// arrived ~20 ms late, not 520: its start counts from ~500 ms before its answer.
		const id = limiterId();
		const veteran = new UserWriteLimiter(factoryFor(redis.port).create(id, writeWindowFor(7)), 7);
		await Promise.all(
			Array.from({ length: 4 }, () =>
				veteran.schedule(async (onSend) => {
					onSend();
					await sleep(500);
				}),
			),
		);
		await sleep(200);
		expect(await firstWrite(id, 520)).toBeGreaterThan(350);
	});

	it('Redis killed and restarted 3 s later with persistence (AOF): every write goes through, within the limit', async () => {
		const dir = mkdtempSync(join(tmpdir(), 'pas-aof-'));
		const aof = ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir];
		let own = await startRedisServer(undefined, aof);
		const emu = await startEmulator({ writesPerSecond: 7, latencyMs: 20 });
		const arrivals = (): number[] =>
			emu.log.filter((entry) => entry.category === 'ads_write').map((entry) => entry.t);
		try {
			// The product's bound (10 s): a restart within it fails no write.
			const factory = new RedisLimiterFactory({
				redis: { host: '127.0.0.1', port: own.port },
				unavailableAfterMs: 10_000,
			});
			factories.push(factory);
			const limiter = new UserWriteLimiter(factory.create(limiterId(), writeWindowFor(7)), 7);
			const writes = Array.from({ length: 56 }, (_, n) =>
				limiter.schedule((onSend) => timedPatch(emu, `restart-${n}@example.com`, onSend)),
			);
			while (arrivals().length < 10) await sleep(20);
			await own.kill();
			await sleep(3000);
			own = await startRedisServer(own.port, aof);
			const backAt = nowMs();
			const statuses = (await Promise.all(writes)).map((write) => write.status);
			expect(statuses).toEqual(Array(56).fill(200));
			expect(emu.maxWritesInAnyWindow(emu.demo.userId)).toBeLessThanOrEqual(7);
			const resumed = arrivals().filter((t) => t >= backAt);
			expect(resumed.length).toBeGreaterThan(0);
			console.log(
				`Redis restarted with AOF: writes resumed ${Math.round(resumed[0] - backAt)} ms after Redis was back; most writes in any second: ${emu.maxWritesInAnyWindow(emu.demo.userId)}`,
			);
		} finally {
			await own.stop();
			await emu.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});

	it('Redis killed while writes wait: they fail with the clear error within the bound, and none is sent afterwards', async () => {
		const own = await startRedisServer();
		try {
			const limiter = factoryFor(own.port).create(limiterId(), writeWindowFor(7));
			let sent = 0;
			const calls = Array.from({ length: 12 }, () =>
				limiter
					.schedule(async () => {
						sent++;
					})
					.then(
						() => 'sent',
						(error: unknown) => error,
					),
			);
			while (sent < 3) await sleep(10);
			const killedAt = Date.now();
			await own.kill();
			const outcomes = await Promise.all(calls);
			expect(Date.now() - killedAt).toBeLessThan(BOUND_MS);
			const failures = outcomes.filter(
				(o): o is RedisLimiterUnavailable => o instanceof RedisLimiterUnavailable,
			);
			expect(failures.length + outcomes.filter((o) => o === 'sent').length).toBe(12);
			expect(failures.length).toBeGreaterThan(0);
			expect(failures[0].message).toContain(`127.0.0.1:${own.port}`);
			const sentWhenFailed = sent;
			await sleep(1500);
			expect(sent).toBe(sentWhenFailed);
		} finally {
			await own.stop();
		}
	});

	it('Redis not answering (paused): writes fail within the bound, then work again once it answers', async () => {
		const own = await startRedisServer();
		try {
			const limiter = factoryFor(own.port).create(limiterId(), writeWindowFor(20));
			await limiter.schedule(async () => undefined);
			own.pause();
			const started = Date.now();
			const error = await rejection(limiter.schedule(async () => 'sent'));
			expect(Date.now() - started).toBeLessThan(BOUND_MS);
			expect(error).toBeInstanceOf(RedisLimiterUnavailable);
			expect((error as Error).message).toMatch(
				new RegExp(`Redis at 127\\.0\\.0\\.1:${own.port} did not answer`),
			);
			own.resume();
			await expect(eventually(() => limiter.schedule(async () => 'sent'))).resolves.toBe('sent');
		} finally {
			await own.stop();
		}
	});

	it("wrong password: the error names the address and Redis's refusal, never the password", async () => {
		const own = await startRedisServer(undefined, ['--requirepass', 'right-password']);
		try {
			const limiter = factoryFor(own.port, { password: 'wrong-password-123' }).create(
				limiterId(),
				writeWindowFor(20),
			);
			const error = await rejection(limiter.schedule(async () => 'sent'));
			expect(error).toBeInstanceOf(RedisLimiterUnavailable);
			const message = (error as Error).message;
			expect(message).toContain(`127.0.0.1:${own.port}`);
			expect(message).toMatch(/WRONGPASS|invalid username-password|NOAUTH/i);
			expect(message).not.toContain('wrong-password-123');
		} finally {
			await own.stop();
		}
	});
});

/** Retries `attempt` until it resolves (Redis reconnecting), for at most 10 s. */
async function eventually<T>(attempt: () => Promise<T>): Promise<T> {
	const deadline = Date.now() + 10_000;
	for (;;) {
		try {
			return await attempt();
		} catch (error) {
			if (Date.now() > deadline) throw error;
			await sleep(200);
		}
	}
}

describe('Redis unreachable', () => {
	it('fails the write within the bound with a message naming host:port and what to check; the task never runs', async () => {
		const port = await freePort();
		const limiter = factoryFor(port).create(limiterId(), writeWindowFor(7));
		let ran = false;
		const started = Date.now();
		const error = await rejection(
			limiter.schedule(async () => {
				ran = true;
			}),
		);
		const elapsed = Date.now() - started;
		expect(error).toBeInstanceOf(RedisLimiterUnavailable);
		expect(error).toMatchObject({
			endpoint: `127.0.0.1:${port}`,
			reason: 'shared rate limiter (Redis) unavailable',
		});
		const message = (error as Error).message;
		expect(message).toContain(`could not reach Redis at 127.0.0.1:${port} for 1 s`);
		expect(message).toMatch(/ECONNREFUSED/);
		expect(message).toMatch(/Check that Redis is running/);
		expect(message).toContain('test settings');
		expect(elapsed).toBeLessThan(BOUND_MS);
		expect(ran).toBe(false);

		// While the outage lasts, further writes fail at once; updateSettings (the 429 slow-down) too.
		await expect(limiter.schedule(async () => undefined)).rejects.toBeInstanceOf(
			RedisLimiterUnavailable,
		);
		await expect(
			limiter.updateSettings({ minTime: 290, maxConcurrent: 7 }, writeWindowFor(7)),
		).rejects.toBeInstanceOf(RedisLimiterUnavailable);
		await sleep(300);
		expect(ran).toBe(false);
	});

	it('recovers once Redis is there: the same limiter works without restarting the worker', async () => {
		const port = await freePort();
		const limiter = factoryFor(port).create(limiterId(), writeWindowFor(7));
		await expect(limiter.schedule(async () => 'sent')).rejects.toBeInstanceOf(
			RedisLimiterUnavailable,
		);
		const late = await startRedisServer(port);
		try {
			await expect(eventually(() => limiter.schedule(async () => 'sent'))).resolves.toBe('sent');
		} finally {
			await late.stop();
		}
	});
});
