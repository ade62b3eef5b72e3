import { sleep } from '../coordination';
import type { SendMark } from '../pinterest';
import type { SharedStart, StartLimiter, WriteWindow } from './window';
import {
	InProcessStartLimiter,
	bottleneckSettings,
	relaxedSpacing,
	writeWindowFor,
} from './window';

/** A 429 at most slows the limiter to an eighth of its rate. */
const MAX_SLOWDOWN = 8;
/**
 * The first 429 slows by a quarter: a lone 429 is mostly a request that reached Pinterest a little later
 * than it started (a pause of this process), and halving the rate for it would cost more than it saves.
 * Each further 429 before the limiter has recovered doubles the slow-down (someone else is using the quota).
 */
const FIRST_SLOWDOWN = 1.25;
/**
 * When every start happens in this process, a slot is handed back this much before its window ends:
 * Bottleneck takes ~5 ms to start the next job (0.4 s over a million users), so the next job is started
 * early and waits on this process's own record of starts for the window's exact end instead. Less than
 * WINDOW_MARGIN_MS, so a start the record cannot see (a rate changed meanwhile) still keeps the rule.
 */
const EARLY_HANDBACK_MS = 10;
/** Round trips remembered for the arrival lag (see `UserWriteLimiter.schedule`). */
const REMEMBERED_ROUND_TRIPS = 32;
/** Until this many round trips are known, a slot is held from the answer instead (see `arrivalLag`). */
const COMPARED_ROUND_TRIPS = 4;
/** Starts remembered for the exact window check: more than any window's slots. */
const REMEMBERED_STARTS = 64;

/**
 * What the transport has said so far about one write's request; `update` wakes whoever waits on
 * `changed()`.
 */
class WriteProgress {
	/** The request may still be sent (it has not left, or n8n may send it again). */
	sendable = true;
	/** n8n sent the request again after refreshing the token. */
	resent = false;
	/** When the request settled (performance.now()). */
	answeredAt: number | undefined;
	private wake: (() => void) | undefined;

	update(change: () => void): void {
		change();
		const waiting = this.wake;
		this.wake = undefined;
		waiting?.();
	}

	changed(): Promise<void> {
		return new Promise<void>((resume) => (this.wake = resume));
	}
}

/**
 * The write limiter of one Pinterest user (see `WriteWindow`). A 429 adds an even spacing of starts, a
 * quarter wider than the normal one and doubling per further 429, for every execution sharing the
 * limiter; successes narrow it back until the window alone governs again.
 */
export class UserWriteLimiter {
	private window: WriteWindow;
	/** Extra spacing of starts after 429s; 0 when not slowed down. */
	private slowedMinTime = 0;
	/** Rates asked for by the executions using the limiter, with how many ask for each. */
	private activeRates = new Map<number, number>();
	/** This process's latest starts, each moved to its request's last send (performance.now()). */
	private readonly recentStarts: Array<{ t: number }> = [];
	/** Times from send to answer of this process's latest writes (ms). */
	private readonly roundTrips: number[] = [];
	/** Settles when the previous job has started: starts are taken one at a time, in order. */
	private previousStart: Promise<unknown> = Promise.resolve();
	private readonly earlyHandbackMs: number;

	/**
	 * `allStartsInThisProcess`: no other process shares `starts` (in-process limiter), so this
	 * process's record of starts is complete and slots may be handed back early (EARLY_HANDBACK_MS).
	 */
	constructor(
		private readonly starts: StartLimiter,
		requestsPerSecond: number,
		{ allStartsInThisProcess = false }: { allStartsInThisProcess?: boolean } = {},
	) {
		this.window = writeWindowFor(requestsPerSecond);
		this.earlyHandbackMs = allStartsInThisProcess ? EARLY_HANDBACK_MS : 0;
	}

	/**
	 * Starts `task` in a free slot; settles with the task. The slot stays held for `holdMs` from the
	 * moment the request left (the transport calls `onSend` right before it sends), not from the start of
	 * the task: Pinterest counts a request when it arrives, and whatever runs between the start and the
	 * send (n8n reading the credential from its database, the AuthGate waiting for a token refresh, a
	 * busy event loop) would otherwise push a request into the next window while its slot is free again.
	 * A slot is held at least until its request can no longer be sent (a request n8n may send again
	 * after refreshing the token holds it until it settles).
	 *
	 * The send itself can still be late: between `onSend` and the request's arrival at Pinterest lie the
	 * HTTP client, the operating system and the network, and a process that gets no CPU for a while
	 * (several workers on few cores) delivers it tens of milliseconds later — more than the window's
	 * margin, and in another process than the one starting the next request. So the answer is waited for
	 * (while the window lasts, or one window more when answers usually come within half of it): a request
	 * answered slower than the fastest recent answer may have arrived that much later, and its slot is held
	 * that much longer (`arrivalLag`).
	 */
	schedule<T>(task: (onSend: SendMark) => Promise<T>): Promise<T> {
		return new Promise<T>((resolve, reject) => {
			let started = false;
			this.starts
				.schedule(async (shared) => {
					const start = await this.takeStartTurn();
					started = true;
					const write = new WriteProgress();
					const onSend: SendMark = (how = {}) =>
						write.update(() => {
							start.t = Math.max(start.t, performance.now() + (how.leavesInMs ?? 0));
							shared.countFrom(start.t);
							if (how.mayResend) write.resent = true;
							else write.sendable = false;
						});
					task(onSend)
						.then(resolve, reject)
						.finally(() =>
							write.update(() => {
								write.sendable = false;
								write.answeredAt = performance.now();
							}),
						);
					await this.holdSlot(start, write, shared);
				})
				.catch((error: unknown) => {
					// Only a limiter failure before the start (e.g. Redis unreachable) fails the write here.
					if (!started) reject(error);
				});
		});
	}

	/** Keeps a started write's slot until its window ends, counted from when it may have arrived. */
	private async holdSlot(
		start: { t: number },
		write: WriteProgress,
		shared: SharedStart,
	): Promise<void> {
		while (write.sendable) {
			const renew = shared.renewEveryMs;
			const changed = write.changed().then(() => true);
			if (
				await (renew === undefined
					? changed
					: Promise.race([changed, sleep(renew).then(() => false)]))
			)
				continue;
			// Still unsent (e.g. waiting for a token refresh): other processes keep counting it from now.
			start.t = performance.now();
			shared.countFrom(start.t);
		}
		const sentAt = start.t;
		if (write.answeredAt === undefined && !write.resent)
			await Promise.race([write.changed(), sleep(this.untilWindowEnds(sentAt))]);
		// Unanswered after the window while answers usually come well within it: this request was held up,
		// maybe before it left (a process stalled by a long garbage collection leaves it late and then runs
		// the expired timer before reading any answer). Its answer tells how late; wait for it.
		if (write.answeredAt === undefined && !write.resent && this.answersComeWithinHalfAWindow())
			await Promise.race([write.changed(), sleep(this.window.holdMs)]);
		if (write.answeredAt !== undefined && !write.resent) {
			// Never negative: a request estimated to leave later than it did (see SendMark) was answered early.
			const roundTripMs = Math.max(0, write.answeredAt - sentAt);
			shared.answered(roundTripMs);
			start.t = sentAt + this.arrivalLag(roundTripMs, shared.fastestAnswerMs);
			shared.countFrom(start.t);
		}
		await sleep(this.untilWindowEnds(start.t));
	}

	/** Milliseconds until the window of a request sent at `sentAt` lets its slot go. */
	private untilWindowEnds(sentAt: number): number {
		return Math.max(
			0,
			Math.ceil(sentAt + this.window.holdMs - this.earlyHandbackMs - performance.now()),
		);
	}

	/**
	 * How much later than the fastest recent request this one may have reached Pinterest: its time from
	 * send to answer beyond the fastest recent one's (Pinterest's own time is taken as at least that of
	 * its fastest recent answer; a slower answer only makes the slot wait longer). Until this process has
	 * a few answers of its own, it compares with the fastest recent answer of any process sharing the
	 * starts (`sharedFastestMs`): any answer is at least Pinterest's own time, so a faster one elsewhere
	 * only makes the slot wait longer. Only its own answers afterwards: a worker nearer to Pinterest
	 * would otherwise hold every other worker's slots by the difference.
	 */
	private arrivalLag(roundTripMs: number, sharedFastestMs: number | undefined): number {
		this.roundTrips.push(roundTripMs);
		if (this.roundTrips.length > REMEMBERED_ROUND_TRIPS) this.roundTrips.shift();
		const ownFastest = Math.min(...this.roundTrips);
		if (this.roundTrips.length >= COMPARED_ROUND_TRIPS)
			return Math.max(0, roundTripMs - ownFastest);
		// Nothing to compare with: the request may have arrived as late as its answer.
		if (sharedFastestMs === undefined) return roundTripMs;
		return Math.max(0, roundTripMs - Math.min(ownFastest, sharedFastestMs));
	}

	private answersComeWithinHalfAWindow(): boolean {
		return (
			this.roundTrips.length >= COMPARED_ROUND_TRIPS &&
			Math.min(...this.roundTrips) <= this.window.holdMs / 2
		);
	}

	/** Waits for the previous job's start, then for this one's place in the window; returns its start. */
	private takeStartTurn(): Promise<{ t: number }> {
		const turn = this.previousStart.then(() => this.startWhenWindowAllows());
		this.previousStart = turn;
		return turn;
	}

	private async startWhenWindowAllows(): Promise<{ t: number }> {
		for (;;) {
			const { slots, holdMs } = this.window;
			const now = performance.now();
			// The `slots`-th latest send: sends may have happened out of start order.
			const latest = this.recentStarts.map((start) => start.t).sort((a, b) => b - a);
			const allowedAt = latest.length >= slots ? latest[slots - 1] + holdMs : now;
			if (now >= allowedAt) {
				const start = { t: now };
				this.recentStarts.push(start);
				if (this.recentStarts.length > REMEMBERED_STARTS) this.recentStarts.shift();
				return start;
			}
			await sleep(Math.ceil(allowedAt - now));
		}
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
		const wanted = writeWindowFor(Math.min(...this.activeRates.keys()));
		if (wanted.holdMs !== this.window.holdMs || wanted.slots !== this.window.slots) {
			this.window = wanted;
			await this.apply();
		}
	}

	async onRateLimited(): Promise<void> {
		const { spacingMs } = this.window;
		if (this.slowedMinTime >= spacingMs * MAX_SLOWDOWN) return;
		this.slowedMinTime = Math.min(
			spacingMs * MAX_SLOWDOWN,
			this.slowedMinTime === 0 ? Math.ceil(spacingMs * FIRST_SLOWDOWN) : this.slowedMinTime * 2,
		);
		await this.apply();
	}

	async onSuccess(): Promise<void> {
		if (this.slowedMinTime === 0) return;
		this.slowedMinTime = relaxedSpacing(this.slowedMinTime, this.window);
		await this.apply();
	}

	/** The current least time between starts. */
	currentMinTime(): number {
		return bottleneckSettings(this.window, this.slowedMinTime).minTime;
	}

	currentWindow(): WriteWindow {
		return this.window;
	}

	private async apply(): Promise<void> {
		await this.starts.updateSettings(
			bottleneckSettings(this.window, this.slowedMinTime),
			this.window,
		);
	}
}

export interface LimiterFactory {
	/** Builds the starts for a limiter id; the in-process default or ones shared through Redis. */
	create(id: string, window: WriteWindow): StartLimiter;
	/** Whether other processes start writes through the same limiter state (Redis). */
	readonly sharedAcrossProcesses: boolean;
}

export const inProcessLimiterFactory: LimiterFactory = {
	create: (id, window) => new InProcessStartLimiter(id, bottleneckSettings(window)),
	sharedAcrossProcesses: false,
};

/**
 * One limiter per Pinterest user for the whole process: Pinterest counts writes per user (token
 * owner), whichever executions, audiences or credentials they come from.
 */
export class WriteLimiters {
	private readonly limiters = new Map<string, UserWriteLimiter>();

	constructor(private readonly factory: LimiterFactory = inProcessLimiterFactory) {}

	limiterFor(pinterestUserId: string, requestsPerSecond: number): UserWriteLimiter {
		let limiter = this.limiters.get(pinterestUserId);
		if (!limiter) {
			const id = `pinterest-audience-sync:writes:${pinterestUserId}`;
			limiter = new UserWriteLimiter(
				this.factory.create(id, writeWindowFor(requestsPerSecond)),
				requestsPerSecond,
				{ allStartsInThisProcess: !this.factory.sharedAcrossProcesses },
			);
			this.limiters.set(pinterestUserId, limiter);
		}
		return limiter;
	}
}
