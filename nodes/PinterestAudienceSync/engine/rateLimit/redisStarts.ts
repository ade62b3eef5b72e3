import Bottleneck from 'bottleneck';
import Redis from 'ioredis';
import type { RedisOptions } from 'ioredis';

import type { SharedStart, StartLimiter, StartSettings, WriteWindow } from './window';
import { bottleneckSettings, relaxedSpacing } from './window';
import type { LimiterFactory } from './writeLimiter';
import type { PendingCall } from './redisHealth';
import { RedisHealth } from './redisHealth';
import {
	DEFAULT_UNAVAILABLE_AFTER_MS,
	MOVE_WRITE_START,
	RECORD_ANSWER,
	RESERVE_WRITE_START,
	RedisLimiterUnavailable,
	RedisLocks,
	newLockToken,
	redisEndpoint,
	sleep,
} from '../coordination';

/**
 * One Pinterest write limit for every n8n worker: a `LimiterFactory` whose starts are reserved in Redis.
 * Each write reserves its start in one atomic round trip (`RESERVE_WRITE_START`): a sorted set per
 * Pinterest user holds the starts of the last window, stamped with Redis's own clock (workers need no
 * synchronised clocks); fewer than 7 in the window, the start is added, else the answer is how long to
 * wait until the oldest leaves. A start that left late, or may have arrived late, is moved later
 * (`MOVE_WRITE_START`), as the engine's `UserWriteLimiter` moves it in its own process. Bottleneck stays
 * the limiter inside each process (its order and spacing of starts); Redis holds nothing but starts
 * whose window is not over, so a worker that dies takes no part of the limit with it for longer than one
 * window. The 429 slow-down is a shared spacing every worker reads in the same script and narrows back
 * after its successes (see `SharedWindowStarts.relax`).
 *
 * Redis unreachable or not answering — the choice made here: **fail, never fall back**.
 * A per-process fallback would silently multiply the limit by the number of workers, and a slowed-down
 * fallback cannot know that number. So a write waits for Redis at most `unavailableAfterMs`
 * (default 10 s):
 * - Redis not connected (never connected, connection lost, wrong password, …) for that long: every write
 *   still waiting for its start fails with `RedisLimiterUnavailable`, whose message names the Redis
 *   host:port, the last connection error and the settings to check. New writes fail at once while the
 *   outage lasts; after Redis is back (ioredis keeps reconnecting) writes go through again.
 * - Redis connected but not answering (overloaded, paused): every command times out after the same
 *   `unavailableAfterMs` (ioredis `commandTimeout`) and fails every waiting write the same way.
 * A write fails only before it was sent: a request Pinterest is already answering is never abandoned,
 * and a start Redis granted after the write gave up is left unused (it counts for one window).
 * So an outage can only make the sync fail or go slower, never exceed the limit. The sync reports those
 * users as Errored with the message.
 *
 * Redis restarted: with persistence (AOF, as n8n's Redis should run) nothing is lost that still
 * counts. Without it the starts of the last second are forgotten; writes resume at once, and at worst
 * one window's starts overlap once (Pinterest answers 429, the engine retries).
 *
 * Connections: one ioredis client per factory, shared by every limiter and the locks. It connects when
 * the first limiter or lock needs it, not before.
 */

export interface RedisLimiterSettings {
	/** ioredis connection options: host, port, username, password, db, tls, family. */
	redis: RedisOptions;
	/** How long a write may wait for an unreachable or silent Redis before the sync fails. */
	unavailableAfterMs?: number;
	/** A limiter's Redis keys (its starts, a 429 slow-down) expire after this long unused. */
	idleExpiryMs?: number;
	/** Where the Redis settings came from, named in error messages (e.g. the env variables). */
	settingsHint?: string;
}

export const DEFAULT_IDLE_EXPIRY_MS = 60 * 60_000;
/** How long `close()` waits for this process's writes to end their windows. */
const CLOSE_SETTLE_MS = 5_000;
/** A start is moved in Redis only when it moves by at least this much (a round trip per write saved). */
const MOVE_AT_LEAST_MS = 2;
/** Answers' round trips kept in Redis for every process to compare with (see `SharedStart.fastestAnswerMs`). */
const SHARED_ANSWERS = 32;

interface SharedConnection {
	client: Redis;
	health: RedisHealth;
	/** A new member name for a start: unique across processes. */
	nextMember(): string;
}

/**
 * The starts of a `UserWriteLimiter` shared through Redis: a Bottleneck of this process orders and
 * spaces them, then each reserves its place in the shared window under the Redis watch.
 */
class SharedWindowStarts implements StartLimiter {
	private readonly local: Bottleneck;
	private readonly startsKey: string;
	private readonly spacingKey: string;
	private readonly answersKey: string;
	/** The spacing this process asked for (its rate and its own 429 slow-down). */
	private minTime: number;
	/** This process asks Redis for one start at a time, in order. */
	private reserving: Promise<unknown> = Promise.resolve();
	private relaxing = false;
	private readonly jobsUnderWay = new Set<Promise<unknown>>();

	constructor(
		id: string,
		private readonly shared: SharedConnection,
		private window: WriteWindow,
		private readonly idleExpiryMs: number,
	) {
		this.minTime = window.minSpacingMs;
		this.local = new Bottleneck({ id, ...bottleneckSettings(window) });
		this.startsKey = `${id}:starts`;
		this.spacingKey = `${id}:slowdown`;
		this.answersKey = `${id}:answers`;
	}

	schedule<T>(job: (shared: SharedStart) => Promise<T>): Promise<T> {
		const running = this.local.schedule(() =>
			this.guarded(async (started, abandoned) => {
				const { member, fastestAnswerMs } = await this.reserve(abandoned);
				// A start granted after this write gave up is left unused.
				if (!started()) throw new RedisLimiterUnavailable('abandoned', this.shared.health.endpoint);
				const value = await job(this.sharedStart(member, fastestAnswerMs));
				this.relax();
				return value;
			}),
		);
		this.jobsUnderWay.add(running);
		const forget = (): void => {
			this.jobsUnderWay.delete(running);
		};
		running.then(forget, forget);
		return running;
	}

	/**
	 * Asks Redis until it grants a start; one process's reservations go one at a time. Returns the
	 * start's member and the fastest recent answer of every process (undefined when none is known).
	 */
	private reserve(
		abandoned: () => boolean,
	): Promise<{ member: string; fastestAnswerMs: number | undefined }> {
		const member = this.shared.nextMember();
		const turn = this.reserving.then(async () => {
			for (;;) {
				if (abandoned())
					throw new RedisLimiterUnavailable('abandoned', this.shared.health.endpoint);
				const answer: unknown = await this.shared.client.eval(
					RESERVE_WRITE_START,
					3,
					this.startsKey,
					this.spacingKey,
					this.answersKey,
					this.window.slots,
					this.window.holdMs,
					this.minTime,
					member,
					this.keyExpiryMs(),
				);
				const [wait, fastest] = (answer as unknown[]).map(Number);
				if (!(wait > 0)) return { member, fastestAnswerMs: fastest >= 0 ? fastest : undefined };
				await sleep(wait);
			}
		});
		this.reserving = turn.catch(() => undefined);
		return turn;
	}

	/** What the engine tells Redis about a start after it was reserved (see `SharedStart`). */
	private sharedStart(member: string, fastestAnswerMs: number | undefined): SharedStart {
		let countedFrom = performance.now();
		return {
			renewEveryMs: Math.floor(this.window.holdMs / 2),
			fastestAnswerMs,
			answered: (roundTripMs) => {
				this.shared.client
					.eval(
						RECORD_ANSWER,
						1,
						this.answersKey,
						Math.round(roundTripMs),
						SHARED_ANSWERS,
						this.keyExpiryMs(),
					)
					.catch(() => undefined);
			},
			countFrom: (at) => {
				if (at - countedFrom < MOVE_AT_LEAST_MS) return;
				countedFrom = at;
				// Negative for a request that leaves a little later (see SendMark): counted from then.
				const ago = Math.floor(performance.now() - at);
				// Best effort: a Redis that fails now fails the next reservation, which is what counts.
				this.shared.client
					.eval(
						MOVE_WRITE_START,
						1,
						this.startsKey,
						member,
						ago,
						this.window.holdMs,
						this.keyExpiryMs(),
					)
					.catch(() => undefined);
			},
		};
	}

	private keyExpiryMs(): number {
		return Math.max(this.idleExpiryMs, 4 * this.window.holdMs);
	}

	/** Runs `operation` unless Redis stays unusable for `unavailableAfterMs`; `started` marks it sent. */
	private guarded<T>(
		operation: (started: () => boolean, abandoned: () => boolean) => Promise<T>,
	): Promise<T> {
		const { health } = this.shared;
		return new Promise<T>((resolve, reject) => {
			let state: 'waiting' | 'started' | 'settled' = 'waiting';
			const call: PendingCall = {
				fail: (error) => {
					if (state !== 'waiting') return;
					state = 'settled';
					reject(error);
				},
			};
			const refused = health.admit(call);
			if (refused) {
				reject(refused);
				return;
			}
			const started = (): boolean => {
				if (state !== 'waiting') return false;
				state = 'started';
				health.release(call);
				return true;
			};
			operation(started, () => state === 'settled').then(
				(value) => {
					health.release(call);
					if (state === 'settled') return;
					state = 'settled';
					resolve(value);
				},
				(error: unknown) => {
					health.release(call);
					if (state === 'settled') return;
					// Once the task ran, its own outcome is what counts (e.g. a Pinterest error).
					const failure = state === 'started' ? error : health.commandFailed(error);
					state = 'settled';
					reject(failure);
				},
			);
		});
	}

	/** Waits (at most `ms`) for the jobs of this process to end their windows. */
	async settle(ms: number): Promise<void> {
		await Promise.race([
			Promise.allSettled([...this.jobsUnderWay]),
			new Promise((resolve) => setTimeout(resolve, ms).unref?.()),
		]);
	}

	/**
	 * The engine's `UserWriteLimiter` keeps its 429 slow-down in the process that got the 429, and only
	 * that process's successes narrow it back. Shared through Redis, a slow-down set by a worker that then
	 * has no more writes would slow every worker until it expires. So after each of its successes a
	 * process also narrows a shared spacing wider than its own, as the engine does (`relaxedSpacing`: ×0.8
	 * per success, gone once the window alone governs). A 429 anywhere widens it again; Pinterest's 429
	 * stays the hard stop.
	 */
	private relax(): void {
		if (this.relaxing) return;
		this.relaxing = true;
		const { client } = this.shared;
		client
			.get(this.spacingKey)
			.then(async (value) => {
				const shared = Number(value);
				if (!(shared > this.minTime)) return;
				const next = Math.max(this.minTime, relaxedSpacing(shared, this.window));
				if (next > this.window.minSpacingMs)
					await client.set(this.spacingKey, String(next), 'PX', this.idleExpiryMs);
				else await client.del(this.spacingKey);
			})
			.catch(() => undefined)
			.finally(() => {
				this.relaxing = false;
			});
	}

	async updateSettings(settings: StartSettings, window: WriteWindow): Promise<void> {
		this.minTime = settings.minTime;
		this.window = window;
		await this.local.updateSettings(settings);
		// Only a 429 slow-down is shared; the normal spacing is every caller's own argument.
		if (settings.minTime > window.minSpacingMs)
			await this.guarded(() =>
				this.shared.client.set(this.spacingKey, String(settings.minTime), 'PX', this.idleExpiryMs),
			);
	}
}

/**
 * Limiters shared through Redis. One instance per process (see `EngineRuntime`); `close()` ends its
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
	private shared: SharedConnection | undefined;
	private limiters: SharedWindowStarts[] = [];

	constructor(private readonly settings: RedisLimiterSettings) {
		this.endpoint = redisEndpoint(settings.redis);
		this.unavailableAfterMs = settings.unavailableAfterMs ?? DEFAULT_UNAVAILABLE_AFTER_MS;
		this.idleExpiryMs = settings.idleExpiryMs ?? DEFAULT_IDLE_EXPIRY_MS;
		this.settingsHint = settings.settingsHint ? ` (${settings.settingsHint})` : '';
	}

	create(id: string, window: WriteWindow): StartLimiter {
		const limiter = new SharedWindowStarts(id, this.connect(), window, this.idleExpiryMs);
		this.limiters.push(limiter);
		return limiter;
	}

	private connect(): SharedConnection {
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
			const health = new RedisHealth(
				[client],
				this.endpoint,
				this.unavailableAfterMs,
				this.settingsHint,
			);
			client.on('error', () => undefined); // recorded by RedisHealth
			const process = newLockToken();
			let count = 0;
			this.shared = { client, health, nextMember: () => `${process} ${++count}` };
		}
		return this.shared;
	}

	/** Lets this process's writes end their windows, then ends the connection (and every limiter's use of it). */
	async close(): Promise<void> {
		await Promise.all(this.limiters.map((limiter) => limiter.settle(CLOSE_SETTLE_MS)));
		this.limiters = [];
		const shared = this.shared;
		this.shared = undefined;
		shared?.client.disconnect();
	}
}
