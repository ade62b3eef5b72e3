/**
 * The write limiter at full speed against the emulator, which judges Pinterest's rule (at most 7 writes in
 * any sliding second per Pinterest user) on arrival. Real time: part of `npm run test:pacing`.
 */
import { startEmulator } from '../../../../../emulator';
import type { Emulator } from '../../../../../emulator';
import type { SendMark } from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import {
	expectRefusalsOnlyFromArrivalJitter,
	expectStartsWithinWindow,
	limiterFor,
	timedPatch,
	type TimedWrite,
} from '../../../../helpers/timedWrites';

jest.setTimeout(60_000);

let emu: Emulator;
afterEach(async () => emu?.close());

function patch(n: number, onSend?: SendMark): Promise<TimedWrite> {
	return timedPatch(emu, `limiter-${n}@example.com`, onSend);
}

/**
 * The first HTTP call of a process loads and connects its client (tens of ms), so it reaches the server
 * later than the limiter started it; a real n8n has done that long before. Not a write.
 */
async function warmUp(): Promise<void> {
	await fetch(`${emu.apiBaseUrl}/user_account`, {
		headers: { Authorization: `Bearer ${emu.demo.accessToken}` },
	});
}

/**
 * `count` writes handed to a 7/s limiter at once, against an emulator answering after `latencyMs`: they
 * keep the rule on the limiter's clock, and the emulator refuses none beyond what arrival jitter explains.
 */
async function writesAsFastAsAllowed(count: number, latencyMs: number): Promise<void> {
	emu = await startEmulator({ latencyMs });
	await warmUp();
	const limiter = limiterFor(7);
	const writes = await Promise.all(
		Array.from({ length: count }, (_, n) => limiter.schedule((onSend) => patch(n, onSend))),
	);
	expectStartsWithinWindow(writes, 7);
	expectRefusalsOnlyFromArrivalJitter(emu, writes);
}

describe('UserWriteLimiter at full speed', () => {
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
});
