import type { AuthGate } from '../requests';
import type {
	BatchOutcome,
	CallStats,
	ListOperation,
	PinterestClient,
	PinterestRequest,
} from '../pinterest';
import { classifyFailure } from '../pinterest';
import type { UserWriteLimiter } from '../rateLimit';
import type { RecordSource } from '../users';
import { listRequestBody } from './requestBody';
import { DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_DELAY_MS, callPinterest } from '../requests';

/** The users of one execution bound for one list and operation. */
export interface Contribution {
	/** Unique records, 64 lower-case hex each. */
	records: RecordSource;
	client: PinterestClient;
	stats: CallStats;
	/**
	 * Whether records short of a full request may wait for other executions' (coalescing.ts). A large
	 * execution fills requests by itself, and a lone one has nobody to wait for: theirs leave at once.
	 */
	holdRemainder: boolean;
	/** Called once per slice [start, start + count) of `records` when its request settles. */
	onOutcome(start: number, count: number, outcome: BatchOutcome): void;
}

export interface DispatchSettings {
	adAccountId: string;
	customerListId: string;
	operation: ListOperation;
	batchSize: number;
	flushWindowMs: number;
	retryWindowMs: number;
	requestTimeoutMs: number;
}

interface Slice {
	entry: Entry;
	start: number;
	count: number;
}

interface Entry {
	contribution: Contribution;
	/** Records not yet handed to a batch. */
	next: number;
	unsettled: number;
	settle: () => void;
}

/** Failures that make every further request to this list pointless until the user acts. */
function isTargetFatal(error: unknown): boolean {
	const kind = classifyFailure(error);
	return kind === 'authExpired' || kind === 'forbidden' || kind === 'notFound';
}

/**
 * Gathers the records that executions send to one customer list with one operation, cuts them into
 * requests of at most `batchSize` unique records and sends them through the Pinterest user's limiter.
 * A remainder the caller says may wait (it has company, coalescing.ts) waits up to `flushWindowMs` for more
 * (Braze's "batch every 5 seconds"); each execution is told the outcome of exactly its own records.
 */
export class ListDispatcher {
	private queue: Entry[] = [];
	private waitingRecords = 0;
	private flushTimer: ReturnType<typeof setTimeout> | undefined;
	private inFlight = 0;
	private fatalError: unknown;

	constructor(
		readonly key: string,
		private readonly settings: DispatchSettings,
		private readonly gate: AuthGate,
		private readonly limiter: UserWriteLimiter,
		private readonly onIdle: () => void,
	) {}

	submit(contribution: Contribution): Promise<void> {
		return new Promise<void>((resolve) => {
			if (contribution.records.length === 0) return resolve();
			const entry: Entry = {
				contribution,
				next: 0,
				unsettled: contribution.records.length,
				settle: resolve,
			};
			this.queue.push(entry);
			this.waitingRecords += contribution.records.length;
			this.cutFullBatches();
			if (!contribution.holdRemainder || this.settings.flushWindowMs <= 0) this.flush();
			else if (this.waitingRecords > 0 && !this.flushTimer) {
				this.flushTimer = setTimeout(() => this.flush(), this.settings.flushWindowMs);
			}
		});
	}

	private cutFullBatches(): void {
		while (this.waitingRecords >= this.settings.batchSize)
			this.send(this.cut(this.settings.batchSize));
		// Nobody is held any more: no timer keeps the process (or a finished test) waiting.
		if (this.waitingRecords === 0) this.stopFlushTimer();
	}

	private flush(): void {
		this.stopFlushTimer();
		while (this.waitingRecords > 0) this.send(this.cut(this.settings.batchSize));
	}

	private stopFlushTimer(): void {
		if (this.flushTimer) clearTimeout(this.flushTimer);
		this.flushTimer = undefined;
	}

	private cut(size: number): Slice[] {
		const slices: Slice[] = [];
		let room = size;
		while (room > 0 && this.queue.length > 0) {
			const entry = this.queue[0];
			const count = Math.min(room, entry.contribution.records.length - entry.next);
			slices.push({ entry, start: entry.next, count });
			entry.next += count;
			room -= count;
			this.waitingRecords -= count;
			if (entry.next === entry.contribution.records.length) this.queue.shift();
		}
		return slices;
	}

	private send(slices: Slice[]): void {
		this.inFlight++;
		void this.deliver(slices).then((outcome) => {
			for (const { entry, start, count } of slices) {
				entry.contribution.onOutcome(start, count, outcome);
				entry.unsettled -= count;
				if (entry.unsettled === 0) entry.settle();
			}
			this.inFlight--;
			if (this.inFlight === 0 && this.queue.length === 0) {
				this.fatalError = undefined;
				this.onIdle();
			}
		});
	}

	private async deliver(slices: Slice[]): Promise<BatchOutcome> {
		if (this.fatalError !== undefined) return { ok: false, error: this.fatalError };
		const contributions = [...new Set(slices.map((s) => s.entry.contribution))];
		const { adAccountId, customerListId, operation } = this.settings;
		let body: Buffer | undefined;
		const request: PinterestRequest = {
			method: 'PATCH',
			path: `/ad_accounts/${adAccountId}/customer_lists/${customerListId}`,
			timeoutMs: this.settings.requestTimeoutMs,
			// Built when the request is sent, not when it is cut: a large execution cuts its requests far ahead
			// of the limiter, and hundreds of 125 KB bodies would otherwise wait in memory.
			get body() {
				return (body ??= listRequestBody(
					operation,
					slices.map(({ entry, start, count }) => ({
						records: entry.contribution.records,
						start,
						count,
					})),
				));
			},
		};
		try {
			await callPinterest(request, {
				client: () =>
					(contributions.find((c) => !c.client.isCancelled()) ?? contributions[0]).client,
				gate: this.gate,
				limiter: this.limiter,
				policy: {
					deadline: Date.now() + this.settings.retryWindowMs,
					baseDelayMs: DEFAULT_BASE_DELAY_MS,
					maxDelayMs: DEFAULT_MAX_DELAY_MS,
				},
				stats: contributions.map((c) => c.stats),
				shouldStop: () => this.fatalError,
			});
			return { ok: true };
		} catch (error) {
			if (isTargetFatal(error) && this.fatalError === undefined) this.fatalError = error;
			return { ok: false, error };
		}
	}
}

/** The dispatchers with work, per list, operation and settings: executions with the same key share one. */
export class Dispatchers {
	private readonly dispatchers = new Map<string, ListDispatcher>();

	dispatcherFor(
		key: string,
		settings: DispatchSettings,
		gate: AuthGate,
		limiter: UserWriteLimiter,
	): ListDispatcher {
		const { dispatchers } = this;
		let dispatcher = dispatchers.get(key);
		if (!dispatcher) {
			dispatcher = new ListDispatcher(key, settings, gate, limiter, () => {
				if (dispatchers.get(key) === dispatcher) dispatchers.delete(key);
			});
			dispatchers.set(key, dispatcher);
		}
		return dispatcher;
	}
}
