/**
 * The write limiter against the emulator, which judges Pinterest's rule (at most 7 writes in any sliding
 * second per Pinterest user) on arrival.
 */
import { startEmulator } from '../../../../emulator';
import type { Emulator } from '../../../../emulator';
import {
	UserWriteLimiter,
	bottleneckSettings,
	inProcessLimiterFactory,
	relaxedSpacing,
	writeWindowFor,
} from '../../../../nodes/PinterestAudienceSync/engine/limiter';
import type { SendMark } from '../../../../nodes/PinterestAudienceSync/engine/limiter';
import {
	expectRefusalsOnlyFromArrivalJitter,
	expectStartsWithinWindow,
	timedPatch,
	type TimedWrite,
} from '../../../helpers/timedWrites';

jest.setTimeout(60_000);

let emu: Emulator;
afterEach(async () => emu?.close());

function limiterFor(requestsPerSecond: number): UserWriteLimiter {
	const id = `test-limiter-${Math.random()}`;
	return new UserWriteLimiter(inProcessLimiterFactory.create(id, writeWindowFor(requestsPerSecond)), requestsPerSecond, {
		allStartsInThisProcess: true,
	});
}

function patch(n: number, onSend?: SendMark): Promise<TimedWrite> {
	return timedPatch(emu, `limiter-${n}@example.com`, onSend);
}

/**
 * The first HTTP call of a process loads and connects its client (tens of ms), so it reaches the server
 * later than the limiter started it; a real n8n has done that long before. Not a write.
 */
async function warmUp(): Promise<void> {
	await fetch(`${emu.apiBaseUrl}/user_account`, { headers: { Authorization: `Bearer ${emu.demo.accessToken}` } });
}

/**
 * `count` writes handed to a 7/s limiter at once, against an emulator answering after `latencyMs`: they
 * keep the rule on the limiter's clock, and the emulator refuses none beyond what arrival jitter explains.
 */
async function writesAsFastAsAllowed(count: number, latencyMs: number): Promise<void> {
	emu = await startEmulator({ latencyMs });
	await warmUp();
	const limiter = limiterFor(7);
	const writes = await Promise.all(Array.from({ length: count }, (_, n) => limiter.schedule((onSend) => patch(n, onSend))));
	expectStartsWithinWindow(writes, 7);
	expectRefusalsOnlyFromArrivalJitter(emu, writes);
}

describe('UserWriteLimiter', () => {
	it('a slow Pinterest does not slow it down: slots free after the window, not after the answer', async () => {
		// Answers take 1.5 s, longer than the window: a limiter that waited for answers would send 7, wait,
		// send 7. This one starts the 8th while the first 7 are still unanswered.
		await writesAsFastAsAllowed(21, 1500);
		const patches = emu.log.filter((e) => e.method === 'PATCH');
		const firstAnswered = patches[0].t + patches[0].durationMs;
		expect(patches.filter((e) => e.t < firstAnswered).length).toBeGreaterThan(7);
	});

	it('keeps to the rule at full speed: 35 writes, never 8 started in a window, none refused for it', async () => {
		await writesAsFastAsAllowed(35, 20);
	});

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
