import { randomBytes } from 'crypto';
import { hostname } from 'os';
import type Redis from 'ioredis';

import { RELEASE_IF_HELD, RENEW_IF_HELD } from './redisScripts';
import { sleep } from './timers';

/**
 * Mutual exclusion for work that must happen once however many executions want it at the same time:
 * creating an audience by name (Sync Users' Create New Audience, Create Actalike), the request allowed
 * to refresh a token, and one Mirror run per list. Every lock of the engine is one of these, held per
 * key. Three backends keep the same contract, like Bottleneck's local and Redis datastores:
 * - `InProcessLocks`: this process, in order of arrival;
 * - `RedisLocks`: every process on one Redis (queue mode);
 * - `FileLocks` (fileLocks.ts): every process sharing a folder (Mirror's memory without Redis).
 * A lease that its holder stops renewing (a process that died) lapses, and `stillHeld` then says so.
 */
export interface LockLease {
	/** Whether the lock is still this holder's: false once its lease lapsed and someone else took it. */
	stillHeld(): Promise<boolean>;
	/** Gives the lock back; a lease that lapsed is left to its new holder. */
	release(): Promise<void>;
}

export interface AcquireOptions {
	/** Give up after this long (default: wait as long as it takes). */
	waitMs?: number;
	/** The error to fail with when `waitMs` passed. */
	timedOut?: () => Error;
}

export interface SharedLocks {
	acquire(key: string, options?: AcquireOptions): Promise<LockLease>;
	/** Waits for `key`, runs `work` alone, and releases the key however `work` ends. */
	run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

export function lockWaitEnded(options: AcquireOptions, key: string): Error {
	return options.timedOut?.() ?? new Error(`The lock ${key} stayed taken for ${options.waitMs} ms`);
}

/** `run` for every backend: acquire, work, release. */
export abstract class Locks implements SharedLocks {
	abstract acquire(key: string, options?: AcquireOptions): Promise<LockLease>;

	async run<T>(key: string, work: () => Promise<T>): Promise<T> {
		const lease = await this.acquire(key);
		try {
			return await work();
		} finally {
			await lease.release();
		}
	}
}

/** One process: a queue of waiters per key; the key passes straight from a holder to the next waiter. */
export class InProcessLocks extends Locks {
	private readonly waiters = new Map<string, Array<() => void>>();

	async acquire(key: string, options: AcquireOptions = {}): Promise<LockLease> {
		const queue = this.waiters.get(key);
		if (!queue) this.waiters.set(key, []);
		else await this.waitInLine(key, queue, options);
		let released = false;
		return {
			stillHeld: async () => !released,
			release: async () => {
				if (released) return;
				released = true;
				const waiting = this.waiters.get(key);
				const next = waiting?.shift();
				if (next) next();
				else this.waiters.delete(key);
			},
		};
	}

	private waitInLine(
		key: string,
		queue: Array<() => void>,
		options: AcquireOptions,
	): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			let timer: ReturnType<typeof setTimeout> | undefined;
			const turn = (): void => {
				if (timer) clearTimeout(timer);
				resolve();
			};
			queue.push(turn);
			if (options.waitMs === undefined) return;
			timer = setTimeout(() => {
				const at = queue.indexOf(turn);
				if (at !== -1) queue.splice(at, 1);
				reject(lockWaitEnded(options, key));
			}, options.waitMs);
		});
	}
}

export interface RedisLockSettings {
	/** How long a lock stays held if its holder stops renewing it (a worker that died). */
	leaseMs?: number;
	/** How often a waiting process asks again. */
	retryMs?: number;
	/** Fails a Redis command that fails or does not answer (see `RedisLimiterUnavailable`). */
	onCommandFailed: (error: unknown) => Error;
}

export const DEFAULT_LEASE_MS = 30_000;
export const REDIS_LOCK_PREFIX = 'pinterest-audience-sync:lock:';

/** A lease on Redis: its key and token, for scripts that write only while the lock is held. */
export interface RedisLockLease extends LockLease {
	readonly redisKey: string;
	readonly token: string;
}

/** Names the lock's holder (process and host, for whoever inspects a lock) and tells its runs apart. */
export function newLockToken(): string {
	return `${process.pid}@${hostname()} ${randomBytes(8).toString('hex')}`;
}

/**
 * A lock per key across every process on one Redis: `SET key token NX PX lease`; while held, the lease
 * is renewed every third of it (a token-checked `PEXPIRE`); released by a token-checked `DEL` (Lua), so
 * a holder whose lease ran out (paused for longer than the lease) never releases the next holder's
 * lock. A holder that dies frees the key once its lease ends. Waiters ask again every `retryMs`.
 * Keys live under `pinterest-audience-sync:lock:`; they hold the token, nothing else.
 */
export class RedisLocks extends Locks {
	private readonly leaseMs: number;
	private readonly retryMs: number;

	constructor(
		private readonly client: () => Redis,
		private readonly settings: RedisLockSettings,
	) {
		super();
		this.leaseMs = settings.leaseMs ?? DEFAULT_LEASE_MS;
		this.retryMs = settings.retryMs ?? 25;
	}

	async acquire(key: string, options: AcquireOptions = {}): Promise<RedisLockLease> {
		const redisKey = REDIS_LOCK_PREFIX + key;
		const token = newLockToken();
		const redis = this.client();
		const deadline = options.waitMs === undefined ? Infinity : Date.now() + options.waitMs;
		while (!(await this.take(redis, redisKey, token))) {
			if (Date.now() >= deadline) throw lockWaitEnded(options, key);
			await sleep(this.retryMs);
		}
		const renewal = setInterval(
			() => {
				redis.eval(RENEW_IF_HELD, 1, redisKey, token, this.leaseMs).catch(() => undefined);
			},
			Math.max(1, Math.floor(this.leaseMs / 3)),
		);
		renewal.unref?.();
		return {
			redisKey,
			token,
			stillHeld: async () => (await redis.get(redisKey).catch(() => null)) === token,
			release: async () => {
				clearInterval(renewal);
				// A release that fails leaves the key to its lease.
				await redis.eval(RELEASE_IF_HELD, 1, redisKey, token).catch(() => undefined);
			},
		};
	}

	private async take(redis: Redis, redisKey: string, token: string): Promise<boolean> {
		try {
			return (await redis.set(redisKey, token, 'PX', this.leaseMs, 'NX')) === 'OK';
		} catch (error) {
			throw this.settings.onCommandFailed(error);
		}
	}
}
