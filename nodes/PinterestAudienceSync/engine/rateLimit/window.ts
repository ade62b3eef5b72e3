/** Pinterest's sliding write window, and the starts of writes it hands out in this process. */
import Bottleneck from 'bottleneck';

/**
 * Headroom on each window so that the few milliseconds between a request's start here and its arrival
 * at Pinterest (which vary from request to request) cannot fit N+1 requests into one second there.
 */
export const WINDOW_MARGIN_MS = 15;
/** Each success narrows a 429 slow-down by this factor. */
const RELAX_FACTOR = 0.8;

/**
 * "N requests per second" as Pinterest counts it, in any sliding second: at most `slots` request starts
 * in any `holdMs`. Each start holds one of `slots` Bottleneck slots (maxConcurrent) for `holdMs` from
 * the moment it starts, whatever the request's own latency; the request itself is not waited for, so
 * requests overlap and the slots stay busy at any latency. Unlike evenly spaced starts (Bottleneck's
 * minTime alone), a start late by a few milliseconds cannot squeeze the next N closer together, and the
 * first N go almost at once.
 */
export interface WriteWindow {
	slots: number;
	holdMs: number;
	/** Evenly spaced starts for this rate: the spacing a 429 slow-down multiplies. */
	spacingMs: number;
	/**
	 * The least time between two starts. N requests started at the same instant reach Pinterest at
	 * instants that differ by how long it takes to read each one, differently from one second to the next,
	 * and that difference would eat the window's margin; a quarter of the even spacing avoids it.
	 */
	minSpacingMs: number;
}

export function writeWindowFor(requestsPerSecond: number): WriteWindow {
	const slots = Math.max(1, Math.floor(requestsPerSecond));
	const spacingMs = Math.ceil(1000 / requestsPerSecond);
	return {
		slots,
		holdMs: Math.ceil((slots * 1000) / requestsPerSecond) + WINDOW_MARGIN_MS,
		spacingMs,
		minSpacingMs: Math.ceil(spacingMs / 4),
	};
}

/**
 * How a `StartLimiter` hands out starts: at most `maxConcurrent` jobs running at once, their starts at
 * least `minTime` ms apart (Bottleneck's own names for both).
 */
export interface StartSettings {
	minTime: number;
	maxConcurrent: number;
}

/** A write's start as the other processes count it (Redis); nothing to tell within one process. */
export interface SharedStart {
	/** The start counts from `at` (performance.now()) on: its request left, will leave, or may have arrived then. */
	countFrom(at: number): void;
	/** While its request is unsent, the start is counted again this often (none in one process). */
	readonly renewEveryMs?: number;
	/**
	 * The fastest recent answer (ms from send to answer) of any process sharing the starts, known when
	 * the start was granted; none in one process.
	 */
	readonly fastestAnswerMs?: number;
	/** Tells the other processes how long this write took from send to answer. */
	answered(roundTripMs: number): void;
}

const UNSHARED_START: SharedStart = { countFrom: () => undefined, answered: () => undefined };

/**
 * The starts a `UserWriteLimiter` takes its writes' slots from: in this process, or shared by every
 * worker through Redis (redisStarts.ts).
 */
export interface StartLimiter {
	/** Runs `job` once a start is free; settles with the job. */
	schedule<T>(job: (shared: SharedStart) => Promise<T>): Promise<T>;
	updateSettings(settings: StartSettings, window: WriteWindow): Promise<void>;
}

/** Starts handed out by a Bottleneck of this process alone. */
export class InProcessStartLimiter implements StartLimiter {
	private readonly bottleneck: Bottleneck;

	constructor(id: string, settings: StartSettings) {
		this.bottleneck = new Bottleneck({ id, ...settings });
	}

	schedule<T>(job: (shared: SharedStart) => Promise<T>): Promise<T> {
		return this.bottleneck.schedule(() => job(UNSHARED_START));
	}

	async updateSettings(settings: StartSettings): Promise<void> {
		// Typed as returning the limiter, Bottleneck's updateSettings returns a promise of it.
		await this.bottleneck.updateSettings(settings);
	}
}

/** Bottleneck's settings for a window, with a wider spacing of starts while slowed down (0 = none). */
export function bottleneckSettings(window: WriteWindow, slowedMinTime = 0): StartSettings {
	return { minTime: Math.max(window.minSpacingMs, slowedMinTime), maxConcurrent: window.slots };
}

/**
 * One success's narrowing of a 429 slow-down's spacing; 0 once the spacing no longer slows anything
 * (the window alone allows that rate). Shared with the Redis limiter, which narrows the shared spacing.
 */
export function relaxedSpacing(minTime: number, window: WriteWindow): number {
	const next = Math.round(minTime * RELAX_FACTOR);
	return next * window.slots <= window.holdMs * 1.05 ? 0 : next;
}
