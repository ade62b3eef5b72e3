/**
 * The write limiter: its windows, its 429 slow-down and its rates. Pinterest's rule (at most 7 writes in
 * any sliding second per Pinterest user) kept at full speed, judged by the emulator in real time:
 * limiter.pacing.test.ts.
 */
import { startEmulator } from '../../../../../emulator';
import type { Emulator } from '../../../../../emulator';
import {
	bottleneckSettings,
	relaxedSpacing,
	writeWindowFor,
} from '../../../../../nodes/PinterestAudienceSync/engine/rateLimit';
import type { SendMark } from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import { limiterFor, timedPatch, type TimedWrite } from '../../../../helpers/timedWrites';

jest.setTimeout(60_000);

let emu: Emulator;
afterEach(async () => emu?.close());

function patch(n: number): Promise<TimedWrite> {
	return timedPatch(emu, `limiter-${n}@example.com`);
}

describe('UserWriteLimiter', () => {
	it('a failed write settles with its own error, and the limiter goes on', async () => {
		emu = await startEmulator({ latencyMs: 0 });
		const limiter = limiterFor(2);
		const failure = new Error('refused');
		await expect(limiter.schedule(() => Promise.reject(failure))).rejects.toBe(failure);
		await expect(limiter.schedule(() => patch(1))).resolves.toMatchObject({ status: 200 });
		await expect(limiter.schedule(() => patch(2))).resolves.toMatchObject({ status: 200 });
		expect(emu.maxWritesInAnyWindow(emu.demo.userId)).toBeLessThanOrEqual(2);
	});

	it('a 429 widens the spacing of starts for everyone, successes narrow it back to the window', async () => {
		const limiter = limiterFor(7);
		const normal = limiter.currentMinTime();
		expect(normal).toBe(writeWindowFor(7).minSpacingMs);
		// A lone 429 slows by a quarter; each further one before recovering doubles that.
		await limiter.onRateLimited();
		expect(limiter.currentMinTime()).toBe(Math.ceil(1.25 * writeWindowFor(7).spacingMs));
		await limiter.onRateLimited();
		expect(limiter.currentMinTime()).toBe(2 * Math.ceil(1.25 * writeWindowFor(7).spacingMs));
		await limiter.onRateLimited();
		await limiter.onRateLimited();
		// At most an eighth of the rate.
		expect(limiter.currentMinTime()).toBe(8 * writeWindowFor(7).spacingMs);
		for (let i = 0; i < 20 && limiter.currentMinTime() > normal; i++) await limiter.onSuccess();
		expect(limiter.currentMinTime()).toBe(normal);
	});

	it('the slowest rate among the executions sharing it wins, and the rate comes back when it leaves', async () => {
		const limiter = limiterFor(7);
		const releaseSlow = await limiter.useRate(2);
		const releaseFast = await limiter.useRate(7);
		expect(limiter.currentWindow()).toEqual(writeWindowFor(2));
		await releaseSlow();
		expect(limiter.currentWindow()).toEqual(writeWindowFor(7));
		await releaseFast();
	});
});

describe('UserWriteLimiter when the process stalls (fake clock)', () => {
	/**
	 * Writes at 1 per second, each answered after its round trip (from its mark) and marked as the
	 * transport marks it (`marks[i]`, default: leaving at once); resolves with their start times.
	 */
	async function startsOf(
		roundTripsMs: number[],
		marks: Array<Parameters<SendMark>[0] | undefined> = [],
	): Promise<number[]> {
		jest.useFakeTimers();
		try {
			const limiter = limiterFor(1);
			const starts: number[] = [];
			const writes = roundTripsMs.map((roundTripMs, i) =>
				limiter.schedule(async (onSend) => {
					starts.push(performance.now());
					onSend(marks[i]);
					await new Promise<void>((answered) => setTimeout(answered, roundTripMs));
					if (marks[i]?.mayResend) onSend();
				}),
			);
			await jest.advanceTimersByTimeAsync(30_000);
			await Promise.all(writes);
			return starts;
		} finally {
			jest.useRealTimers();
		}
	}

	it('a write answered after its window, where answers come at once, holds its slot until the answer shows how late it may have arrived', async () => {
		const starts = await startsOf([150, 150, 150, 150, 1500, 150]);
		// It may have reached Pinterest 1,350 ms after it left (a process stalled before sending it).
		expect(starts[5] - starts[4]).toBeGreaterThanOrEqual(1500 - 150 + writeWindowFor(1).holdMs);
	});

	it('a write that leaves a little after its mark (n8n reads the credential first) counts from then, not from its answer', async () => {
		const { holdMs } = writeWindowFor(1);
		const starts = await startsOf([150, 150, 150, 150, 170, 150], [, , , , { leavesInMs: 20 }]);
		expect(starts[5] - starts[4]).toBeGreaterThanOrEqual(20 + holdMs);
		expect(starts[5] - starts[4]).toBeLessThan(170 + holdMs);
	});

	it('a write that may be sent again until it settles (a token refresh) counts from its answer', async () => {
		const { holdMs } = writeWindowFor(1);
		const starts = await startsOf([150, 150, 150, 150, 170, 150], [, , , , { mayResend: true }]);
		expect(starts[5] - starts[4]).toBeGreaterThanOrEqual(170 + holdMs);
	});

	it('a slow Pinterest still gets a write per window: answers after the window are not waited for', async () => {
		const starts = await startsOf([1500, 1500, 1500, 1500, 1500, 1500]);
		const gaps = starts.slice(1).map((start, i) => start - starts[i]);
		expect(Math.max(...gaps)).toBeLessThan(1500);
	});
});

describe('write windows', () => {
	it.each([
		[7, { slots: 7, holdMs: 1015, spacingMs: 143, minSpacingMs: 36 }],
		[1, { slots: 1, holdMs: 1015, spacingMs: 1000, minSpacingMs: 250 }],
		[2.5, { slots: 2, holdMs: 815, spacingMs: 400, minSpacingMs: 100 }],
		[0.1, { slots: 1, holdMs: 10_015, spacingMs: 10_000, minSpacingMs: 2_500 }],
	])('%p requests/s', (rate, window) => {
		expect(writeWindowFor(rate)).toEqual(window);
		// Never more than the rate over a window: slots ÷ hold ≤ rate.
		expect(window.slots / (window.holdMs / 1000)).toBeLessThanOrEqual(rate);
	});

	it('a slowed spacing applies over the normal one and relaxes to none once the window alone is slower', () => {
		const window = writeWindowFor(7);
		expect(bottleneckSettings(window)).toEqual({ minTime: 36, maxConcurrent: 7 });
		expect(bottleneckSettings(window, 286)).toEqual({ minTime: 286, maxConcurrent: 7 });
		expect(relaxedSpacing(286, window)).toBe(229);
		expect(relaxedSpacing(187, window)).toBe(0);
	});
});
