/**
 * Per-user sliding-window rate limits. Decisions are taken synchronously when a request arrives,
 * in arrival order, using the arrival time; only accepted requests are recorded, so for every
 * window W and limit L no W-ms window ever holds more than L accepted requests.
 *
 * Limits (all per Pinterest user, across all tokens of the user):
 * - universal: `requestsPerSecond` API requests per 1000 ms (default 100)
 * - ads_write: `writesPerSecond` per 1000 ms (default 7) and optionally `writesPerMinute` per 60 s
 * - ads_read: `readsPerMinute` per 60 s (default 1000)
 * org_read (GET /user_account) only counts against the universal limit.
 * Requests answered by an injected fault (other than a 429 status fault) are offered to the
 * limiter too: they reached the server, so they use quota if within the limits.
 */
import type { RequestCategory, ResolvedEmulatorOptions } from './types';

const SECOND = 1000;
const MINUTE = 60_000;

export type LimitDecision = { ok: true } | { ok: false; retryAfterSec: number };

/** Ascending timestamps of accepted requests. */
class History {
	readonly times: number[] = [];
	/** Index of the first element still needed (elements before it are pruned lazily). */
	private start = 0;

	constructor(private readonly keepAll: boolean) {}

	/** Number of recorded times strictly after `since`. */
	countAfter(since: number): number {
		return this.times.length - this.firstAfter(since);
	}

	/** Earliest time at which one more request fits `limit` per `windowMs`. */
	nextFreeAt(limit: number, windowMs: number): number {
		return this.times[this.times.length - limit] + windowMs;
	}

	record(t: number): void {
		this.times.push(t);
		if (!this.keepAll && this.times.length > 4096) {
			this.start = this.firstAfter(t - MINUTE);
			this.times.splice(0, this.start);
			this.start = 0;
		}
	}

	private firstAfter(since: number): number {
		let lo = this.start;
		let hi = this.times.length;
		while (lo < hi) {
			const mid = (lo + hi) >>> 1;
			if (this.times[mid] > since) hi = mid;
			else lo = mid + 1;
		}
		return lo;
	}
}

interface UserHistories {
	all: History;
	reads: History;
	writes: History;
}

const active = (limit: number): boolean => limit > 0 && Number.isFinite(limit);

export class RateLimiter {
	private users = new Map<string, UserHistories>();

	constructor(private readonly options: ResolvedEmulatorOptions) {}

	/** Decides on an authenticated API request arriving at `t`; records it if accepted. */
	check(userId: string, category: RequestCategory, t: number): LimitDecision {
		const h = this.histories(userId);
		const checks: Array<[History, number, number]> = [
			[h.all, this.options.requestsPerSecond, SECOND],
		];
		if (category === 'ads_write') {
			checks.push([h.writes, this.options.writesPerSecond, SECOND]);
			checks.push([h.writes, this.options.writesPerMinute, MINUTE]);
		} else if (category === 'ads_read') {
			checks.push([h.reads, this.options.readsPerMinute, MINUTE]);
		}
		let retryAt = 0;
		for (const [hist, limit, windowMs] of checks) {
			if (!active(limit)) continue;
			if (hist.countAfter(t - windowMs) >= limit)
				retryAt = Math.max(retryAt, hist.nextFreeAt(limit, windowMs));
		}
		if (retryAt > 0)
			return { ok: false, retryAfterSec: Math.max(1, Math.ceil((retryAt - t) / 1000)) };
		h.all.record(t);
		if (category === 'ads_write') h.writes.record(t);
		else if (category === 'ads_read') h.reads.record(t);
		return { ok: true };
	}

	/** Most accepted ads_write requests of one user (or the max over users) in any `windowMs` window. */
	maxWritesInAnyWindow(userId?: string, windowMs = SECOND): number {
		const users = userId === undefined ? [...this.users.keys()] : [userId];
		let best = 0;
		for (const u of users) {
			const times = this.users.get(u)?.writes.times ?? [];
			let i = 0;
			for (let j = 0; j < times.length; j++) {
				while (times[j] - times[i] >= windowMs) i++;
				best = Math.max(best, j - i + 1);
			}
		}
		return best;
	}

	usersWithWrites(): string[] {
		return [...this.users.entries()].filter(([, h]) => h.writes.times.length > 0).map(([u]) => u);
	}

	reset(): void {
		this.users = new Map();
	}

	private histories(userId: string): UserHistories {
		let h = this.users.get(userId);
		if (!h) {
			h = { all: new History(false), reads: new History(false), writes: new History(true) };
			this.users.set(userId, h);
		}
		return h;
	}
}
