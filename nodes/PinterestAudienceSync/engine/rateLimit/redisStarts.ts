import Bottleneck from 'bottleneck';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';

import type { LimiterFactory, StartLimiter, StartSettings, WriteWindow } from './writeLimiter';
import { bottleneckSettings, relaxedSpacing } from './writeLimiter';
import type { PendingCall } from './redisHealth';
import { RedisHealth } from './redisHealth';
import {
	DEFAULT_UNAVAILABLE_AFTER_MS,
	RedisLimiterUnavailable,
	RedisLocks,
	redisEndpoint,
} from '../coordination';

/**
 * One Pinterest write limit for every n8n worker: a `LimiterFactory` whose starts come from Bottleneck
 * clustered limiters on Redis (`datastore: 'ioredis'`, `clearDatastore: false`). Every process that
 * builds a limiter with the same id shares Bottleneck's own Redis state for it, so the write window
 * (`maxConcurrent` slots, each held for the window by the engine's UserWriteLimiter) and the 429
 * slow-down (an `updateSettings({ minTime })`) hold across all workers together. Bottleneck computes
 * each request's slot in a Lua script with Redis's clock, so workers on different machines need no
 * synchronised clocks. The spacing is entirely Bottleneck's; this file adds what happens when Redis
 * cannot be used, and lets every worker narrow a shared 429 slow-down back (see
 * `ClusteredLimiter.relax`).
 *
 * Redis unreachable or not answering — the choice made here: **fail, never fall back**.
 * A per-process fallback would silently multiply the limit by the number of workers, and a slowed-down
 * fallback cannot know that number. So a write waits for Redis at most `unavailableAfterMs`
 * (default 10 s):
 * - Redis not connected (never connected, connection lost, wrong password, …) for that long: every write
 *   still waiting for its slot fails with `RedisLimiterUnavailable`, whose message names the Redis
 *   host:port, the last connection error and the settings to check. New writes fail at once while the
 *   outage lasts; after Redis is back (ioredis keeps reconnecting) writes go through again.
 * - Redis connected but not answering (overloaded, paused): every command times out after the same
 *   `unavailableAfterMs` (ioredis `commandTimeout`); a failed Bottleneck command fails every waiting
 *   write the same way.
 * A write fails only before it was sent: a request Pinterest is already answering is never abandoned,
 * and a slot Redis granted after the write gave up is left unused. So an outage can only make the sync
 * fail or go slower, never exceed the limit. The sync reports those users as Errored with the message.
 *
 * Connections: one ioredis client per factory (plus the subscriber connection Bottleneck duplicates
 * from it, which it needs for its pub/sub) — one `Bottleneck.IORedisConnection` per process shared by
 * every limiter. It connects when the first limiter is created, not before.
 *
 * Known limit: Bottleneck keeps the reserved slots in Redis; if Redis restarts and loses its data
 * while writes are scheduled, the slots already handed out and the new ones may overlap once.
 * Pinterest then answers 429 for the excess and the engine retries. n8n's own Redis should persist data.
 */

export interface RedisLimiterSettings {
	/** ioredis connection options: host, port, username, password, db, tls, family. */
	redis: RedisOptions;
	/** How long a write may wait for an unreachable or silent Redis before the sync fails. */
	unavailableAfterMs?: number;
	/** Bottleneck's `timeout`: a limiter's Redis keys expire after this long unused. */
	idleExpiryMs?: number;
	/** Where the Redis settings came from, named in error messages (e.g. the env variables). */
	settingsHint?: string;
}

export const DEFAULT_IDLE_EXPIRY_MS = 60 * 60_000;
/**
 * The longest a write may hold its slot in Redis (waiting for a token refresh, its request, the
 * window). A process that stopped while holding slots gives them back after this long; a write that
 * really takes longer (a Request Timeout of several minutes) loses its slot's protection, and the
 * worst that can follow is one 429, which is retried.
 */
export const JOB_EXPIRATION_MS = 2 * 60_000;
/** How long `close()` waits for this process's writes to end and give their slots back. */
const CLOSE_SETTLE_MS = 5_000;

type ScriptCallback = (error: unknown, replies: unknown) => void;

/**
 * Bottleneck 2.19.5 recovers from two errors of its own Lua scripts by comparing their message
 * exactly: SETTINGS_KEY_NOT_FOUND (its keys expired or were lost: it creates them again) and
 * UNKNOWN_CLIENT (the other processes dropped this one as unresponsive, e.g. after a pause longer than
 * its 10 s client timeout: it registers again). Redis 7 prefixes "ERR " to such errors, so without this
 * the comparison fails and the limiter fails every call from then on (bottleneck issues #205, #212,
 * #219; pull request #215 is not merged). Strips the prefix of exactly these two messages.
 */
function recogniseBottleneckErrors(connection: Bottleneck.IORedisConnection): void {
	const internal = connection as unknown as {
		__scriptArgs__(name: string, id: string, args: unknown[], callback: ScriptCallback): unknown[];
	};
	const scriptArgs = internal.__scriptArgs__.bind(connection);
	internal.__scriptArgs__ = (name, id, args, callback) =>
		scriptArgs(name, id, args, (error, replies) => {
			if (
				error instanceof Error &&
				/^ERR (SETTINGS_KEY_NOT_FOUND|UNKNOWN_CLIENT)$/.test(error.message)
			) {
				error.message = error.message.slice('ERR '.length);
			}
			callback(error, replies);
		});
}

/** Runs a clean-up that may return nothing, a promise or throw (Bottleneck's `disconnect` does all three). */
function quietly(cleanUp: () => unknown): Promise<void> {
	return Promise.resolve()
		.then(cleanUp)
		.then(
			() => undefined,
			() => undefined,
		);
}

/**
 * The starts of a `UserWriteLimiter` shared through Redis: `schedule` and `updateSettings` run on a
 * clustered Bottleneck (the "inner" one) under the Redis watch. Should the inner limiter fail to
 * start (Redis failed during its registration), the next call builds a fresh one, so one bad moment
 * does not break the limiter for the rest of the worker's life.
 */
class ClusteredLimiter implements StartLimiter {
	private inner: Bottleneck;
	private broken = false;
	/** The spacing this process asked for (its own rate and 429 slow-down). */
	private minTime: number;
	private relaxing = false;
	private readonly jobsUnderWay = new Set<Promise<unknown>>();

	constructor(
		private readonly build: (settings: Bottleneck.ConstructorOptions) => Bottleneck,
		private readonly health: RedisHealth,
		/** Bottleneck's current shared `minTime` for this id, read from its Redis state. */
		private readonly readSharedMinTime: () => Promise<number | undefined>,
		private window: WriteWindow,
	) {
		this.minTime = window.minSpacingMs;
		this.inner = this.start();
	}

	private start(): Bottleneck {
		const inner = this.build(bottleneckSettings(this.window, this.minTime));
		inner.on('error', (error: unknown) => {
			if (inner === this.inner) this.health.commandFailed(error);
		});
		inner.ready().catch((error: unknown) => {
			if (inner !== this.inner) return;
			this.broken = true;
			this.health.commandFailed(error);
		});
		return inner;
	}

	private current(): Bottleneck {
		if (this.broken) {
			// The failed limiter is dropped, not disconnected: Bottleneck's disconnect unsubscribes without
			// handling a failure, which would surface as an unhandled rejection while Redis is down. Its
			// channel is taken over by the new limiter (same id).
			this.broken = false;
			this.inner = this.start();
		}
		return this.inner;
	}

	/** Runs `operation` unless Redis stays unusable for `unavailableAfterMs`; `started` marks it sent. */
	private guarded<T>(operation: (started: () => boolean) => Promise<T>): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			let state: 'waiting' | 'started' | 'settled' = 'waiting';
			const call: PendingCall = {
				fail: (error) => {
					if (state !== 'waiting') return;
					state = 'settled';
					reject(error);
				},
			};
			const refused = this.health.admit(call);
			if (refused) {
				reject(refused);
				return;
			}
			const started = (): boolean => {
				if (state !== 'waiting') return false;
				state = 'started';
				this.health.release(call);
				return true;
			};
			operation(started).then(
				(value) => {
					this.health.release(call);
					if (state === 'settled') return;
					state = 'settled';
					resolve(value);
				},
				(error: unknown) => {
					this.health.release(call);
					if (state === 'settled') return;
					// Once the task ran, its own outcome is what counts (e.g. a Pinterest error).
					const failure = state === 'started' ? error : this.health.commandFailed(error);
					state = 'settled';
					reject(failure);
				},
			);
		});
	}

	schedule<T>(job: () => Promise<T>): Promise<T> {
		const running = this.guarded<T>(async (started) => {
			let outcome: PromiseSettledResult<T> | undefined;
			try {
				// Bottleneck frees a slot in Redis only when its job ends, or when the job expires: a worker that
				// stops (restart, crash) while its jobs hold slots would otherwise take them away for good.
				await this.current().schedule({ expiration: JOB_EXPIRATION_MS }, async () => {
					// A slot granted after this write gave up is left unused.
					if (!started()) throw new RedisLimiterUnavailable('abandoned', this.health.endpoint);
					[outcome] = await Promise.allSettled([job()]);
				});
			} catch (error) {
				if (outcome === undefined) throw error;
			}
			// The job's own result, even when Bottleneck's bookkeeping after it failed.
			if (outcome === undefined) throw new Error('Bottleneck settled a job without running it');
			if (outcome.status === 'rejected') throw outcome.reason;
			this.relax();
			return outcome.value;
		});
		this.jobsUnderWay.add(running);
		const forget = (): void => {
			this.jobsUnderWay.delete(running);
		};
		running.then(forget, forget);
		return running;
	}

	/** Waits (at most `ms`) for the jobs of this process to end, so that their slots are freed in Redis. */
	async settle(ms: number): Promise<void> {
		await Promise.race([
			Promise.allSettled([...this.jobsUnderWay]),
			new Promise((resolve) => setTimeout(resolve, ms).unref?.()),
		]);
	}

	/**
	 * The engine's `UserWriteLimiter` keeps its 429 slow-down in the process that got the 429, and only
	 * that process's successes narrow it back. Shared through Redis, a slow-down set by a worker that then
	 * has no more writes would slow every worker for good. So after each of its successes a process also
	 * narrows a shared spacing wider than its own, as the engine does (`relaxedSpacing`: ×0.8 per success,
	 * gone once the window alone governs). A 429 anywhere widens it again; Pinterest's 429 stays the hard stop.
	 */
	private relax(): void {
		if (this.relaxing) return;
		this.relaxing = true;
		this.readSharedMinTime()
			.then(async (shared) => {
				if (shared === undefined || !(shared > this.minTime)) return;
				const next = Math.max(this.minTime, relaxedSpacing(shared, this.window));
				await this.guarded(async () => {
					await this.current().updateSettings({ minTime: next });
				});
			})
			.catch(() => undefined)
			.finally(() => {
				this.relaxing = false;
			});
	}

	updateSettings(settings: StartSettings): Promise<void> {
		this.minTime = settings.minTime;
		this.window = { ...this.window, slots: settings.maxConcurrent };
		return this.guarded(async () => {
			await this.current().updateSettings(settings);
		});
	}
}

/**
 * Limiters shared through Redis. One instance per process (owned by the engine's runtime); `close()` ends its
 * connection (tests, shutdown).
 */
export class RedisLimiterFactory implements LimiterFactory {
	readonly sharedAcrossProcesses = true;
	/** Locks on the limiter's own connection (see `RedisLocks`). */
	readonly locks = new RedisLocks(() => this.connect().client, {
		onCommandFailed: (error) => this.connect().health.lockCommandFailed(error),
	});
	readonly endpoint: string;
	readonly unavailableAfterMs: number;
	private readonly idleExpiryMs: number;
	private readonly settingsHint: string;
	private shared:
		{ connection: Bottleneck.IORedisConnection; health: RedisHealth; client: Redis } | undefined;
	private limiters: ClusteredLimiter[] = [];

	constructor(private readonly settings: RedisLimiterSettings) {
		this.endpoint = redisEndpoint(settings.redis);
		this.unavailableAfterMs = settings.unavailableAfterMs ?? DEFAULT_UNAVAILABLE_AFTER_MS;
		this.idleExpiryMs = settings.idleExpiryMs ?? DEFAULT_IDLE_EXPIRY_MS;
		this.settingsHint = settings.settingsHint ? ` (${settings.settingsHint})` : '';
	}

	create(id: string, window: WriteWindow): StartLimiter {
		const { connection, health, client } = this.connect();
		// Bottleneck keeps a limiter's settings in the hash b_<id>_settings (its scripts' key layout).
		const readSharedMinTime = async (): Promise<number | undefined> => {
			const value = Number(await client.hget(`b_${id}_settings`, 'minTime'));
			return Number.isFinite(value) && value > 0 ? value : undefined;
		};
		const limiter = new ClusteredLimiter(
			(settings) =>
				new Bottleneck({
					id,
					...settings,
					datastore: 'ioredis',
					clearDatastore: false,
					connection,
					timeout: this.idleExpiryMs,
				}),
			health,
			readSharedMinTime,
			window,
		);
		this.limiters.push(limiter);
		return limiter;
	}

	private connect(): {
		connection: Bottleneck.IORedisConnection;
		health: RedisHealth;
		client: Redis;
	} {
		if (!this.shared) {
			const client = new Redis({
				...this.settings.redis,
				// Keep reconnecting (Redis may come back), at most every 2 s.
				retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
				connectTimeout: Math.min(this.unavailableAfterMs, 10_000),
				commandTimeout: this.unavailableAfterMs,
				// Commands wait through a short outage (bounded by commandTimeout); the offline queue is flushed after 20 attempts.
				maxRetriesPerRequest: 20,
				connectionName: 'pinterest-audience-sync-limiter',
			});
			const connection = new Bottleneck.IORedisConnection({ client, Redis });
			recogniseBottleneckErrors(connection);
			const subscriber = (connection as unknown as { subscriber: Redis }).subscriber;
			const health = new RedisHealth(
				[client, subscriber],
				this.endpoint,
				this.unavailableAfterMs,
				this.settingsHint,
			);
			connection.on('error', () => undefined); // recorded by RedisHealth from the clients' own events
			this.shared = { connection, health, client };
		}
		return this.shared;
	}

	/**
	 * Ends the connection, and so every limiter of this factory (their heartbeats stop; writes still
	 * waiting are never sent). Closing the connection first keeps Bottleneck from unsubscribing each
	 * limiter over a connection that may be down.
	 */
	async close(): Promise<void> {
		await Promise.all(this.limiters.map((limiter) => limiter.settle(CLOSE_SETTLE_MS)));
		this.limiters = [];
		const shared = this.shared;
		this.shared = undefined;
		if (shared) await quietly(() => shared.connection.disconnect(false));
	}
}
