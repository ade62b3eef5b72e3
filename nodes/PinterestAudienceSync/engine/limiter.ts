import Bottleneck from 'bottleneck';

/** Headroom per request so that network jitter cannot squeeze N+1 requests into one second. */
const SPACING_MARGIN_MS = 2;
const MAX_SLOWDOWN = 8;

export function minTimeFor(requestsPerSecond: number): number {
	return Math.ceil(1000 / requestsPerSecond) + SPACING_MARGIN_MS;
}

/**
 * The write limiter of one Pinterest user. Bottleneck spaces request *starts* by `minTime` and lets them
 * overlap (no concurrency cap), so the limiter stays saturated whatever the API latency. A 429 widens
 * the spacing for every execution sharing the limiter; successes narrow it back.
 */
export class UserWriteLimiter {
	private baseMinTime: number;
	private slowdown = 1;
	/** Rates asked for by the executions using the limiter, with how many ask for each. */
	private activeRates = new Map<number, number>();

	constructor(
		readonly bottleneck: Bottleneck,
		requestsPerSecond: number,
	) {
		this.baseMinTime = minTimeFor(requestsPerSecond);
	}

	schedule<T>(task: () => Promise<T>): Promise<T> {
		return this.bottleneck.schedule(task);
	}

	/**
	 * Executions sharing the limiter may ask for different rates: the slowest active one wins, and the
	 * rate goes back up when it finishes. Returns the release function.
	 */
	async useRate(requestsPerSecond: number): Promise<() => Promise<void>> {
		// Counted per rate, not listed per execution: thousands of executions waiting for a flush cost O(1).
		this.activeRates.set(requestsPerSecond, (this.activeRates.get(requestsPerSecond) ?? 0) + 1);
		await this.applyRates();
		return async () => {
			const left = (this.activeRates.get(requestsPerSecond) ?? 1) - 1;
			if (left > 0) this.activeRates.set(requestsPerSecond, left);
			else this.activeRates.delete(requestsPerSecond);
			await this.applyRates();
		};
	}

	private async applyRates(): Promise<void> {
		if (this.activeRates.size === 0) return;
		const wanted = minTimeFor(Math.min(...this.activeRates.keys()));
		if (wanted !== this.baseMinTime) {
			this.baseMinTime = wanted;
			await this.apply();
		}
	}

	async onRateLimited(): Promise<void> {
		if (this.slowdown >= MAX_SLOWDOWN) return;
		this.slowdown = Math.min(MAX_SLOWDOWN, this.slowdown * 2);
		await this.apply();
	}

	async onSuccess(): Promise<void> {
		if (this.slowdown === 1) return;
		this.slowdown = Math.max(1, this.slowdown * 0.8);
		if (this.slowdown < 1.05) this.slowdown = 1;
		await this.apply();
	}

	currentMinTime(): number {
		return Math.round(this.baseMinTime * this.slowdown);
	}

	private async apply(): Promise<void> {
		await this.bottleneck.updateSettings({ minTime: this.currentMinTime() });
	}
}

export interface LimiterFactory {
	/** Builds the Bottleneck for a limiter id; the in-process default or a Redis-clustered one. */
	create(id: string, minTime: number): Bottleneck;
}

export const inProcessLimiterFactory: LimiterFactory = {
	create: (id, minTime) => new Bottleneck({ id, minTime, maxConcurrent: null }),
};

const limiters = new Map<string, UserWriteLimiter>();

/** One limiter per Pinterest user for the whole process (product.md §3 "Rate limit"). */
export async function writeLimiterFor(
	pinterestUserId: string,
	requestsPerSecond: number,
	factory: LimiterFactory = inProcessLimiterFactory,
): Promise<UserWriteLimiter> {
	let limiter = limiters.get(pinterestUserId);
	if (!limiter) {
		const id = `pinterest-audience-sync:writes:${pinterestUserId}`;
		limiter = new UserWriteLimiter(factory.create(id, minTimeFor(requestsPerSecond)), requestsPerSecond);
		limiters.set(pinterestUserId, limiter);
	}
	return limiter;
}
