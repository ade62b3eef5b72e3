import { randomBytes } from 'crypto';
import type Redis from 'ioredis';

import { sleep } from '../requests/callPinterest';

/**
 * Mutual exclusion for work that must happen once however many executions want it at the same time:
 * creating an audience by name, and the request allowed to refresh a token. Held per key; `run` waits
 * for the key, runs `work` alone, and releases it however `work` ends.
 *
 * Without Redis the lock covers this process (in order of arrival). With Redis it covers every process
 * on that Redis (see `RedisLocks`).
 */
export interface SharedLocks {
	run<T>(key: string, work: () => Promise<T>): Promise<T>;
}

/** One process: a queue per key. */
export class InProcessLocks implements SharedLocks {
	private readonly tails = new Map<string, Promise<unknown>>();

	async run<T>(key: string, work: () => Promise<T>): Promise<T> {
		const previous = this.tails.get(key) ?? Promise.resolve();
		let release!: () => void;
		const mine = new Promise<void>((resolve) => (release = resolve));
		const tail = previous.then(() => mine);
		this.tails.set(key, tail);
		try {
			await previous;
			return await work();
		} finally {
			release();
			if (this.tails.get(key) === tail) this.tails.delete(key);
		}
	}
}

/** The locks of this process, for everything that shares nothing through Redis. */
export const processLocks: SharedLocks = new InProcessLocks();

/** Deletes the key only while it still holds this holder's token (a lease that ran out is someone else's). */
const RELEASE_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
/** Extends the lease only while the key still holds this holder's token. */
const RENEW_SCRIPT = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

export interface RedisLockSettings {
	/** How long a lock stays held if its holder stops renewing it (a worker that died). */
	leaseMs?: number;
	/** How often a waiting process asks again. */
	retryMs?: number;
	/** Fails a Redis command that fails or does not answer (see `RedisLimiterUnavailable`). */
	onCommandFailed: (error: unknown) => Error;
}

export const DEFAULT_LEASE_MS = 30_000;

/**
 * A lock per key across every process on one Redis: `SET key token NX PX lease`; while held, the lease
 * is renewed every third of it (a token-checked `PEXPIRE`); released by a token-checked `DEL` (Lua), so
 * a holder whose lease ran out (paused for longer than the lease) never releases the next holder's
 * lock. A holder that dies frees the key once its lease ends. Waiters ask again every `retryMs`.
 * Keys live under `pinterest-audience-sync:lock:`; they hold a random token, nothing else.
 */
export class RedisLocks implements SharedLocks {
	private readonly leaseMs: number;
	private readonly retryMs: number;

	constructor(
		private readonly client: () => Redis,
		private readonly settings: RedisLockSettings,
	) {
		this.leaseMs = settings.leaseMs ?? DEFAULT_LEASE_MS;
		this.retryMs = settings.retryMs ?? 25;
	}

	async run<T>(key: string, work: () => Promise<T>): Promise<T> {
		const redisKey = `pinterest-audience-sync:lock:${key}`;
		const token = randomBytes(16).toString('hex');
		const redis = this.client();
		for (;;) {
			let acquired: string | null;
			try {
				acquired = await redis.set(redisKey, token, 'PX', this.leaseMs, 'NX');
			} catch (error) {
				throw this.settings.onCommandFailed(error);
			}
			if (acquired === 'OK') break;
			await sleep(this.retryMs);
		}
		const renewal = setInterval(
			() => {
				redis.eval(RENEW_SCRIPT, 1, redisKey, token, this.leaseMs).catch(() => undefined);
			},
			Math.max(1, Math.floor(this.leaseMs / 3)),
		);
		renewal.unref?.();
		try {
			return await work();
		} finally {
			clearInterval(renewal);
			// A release that fails leaves the key to its lease.
			await redis.eval(RELEASE_SCRIPT, 1, redisKey, token).catch(() => undefined);
		}
	}
}
