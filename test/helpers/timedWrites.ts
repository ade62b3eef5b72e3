/**
 * Writes started by a limiter under test, timed on the emulator's clock (the emulator runs in the test's
 * process), and the two ways of judging them: the limiter's own promise on starts, which holds whatever
 * the machine's load, and the emulator's verdict on arrivals, which a paused process can upset.
 */
import { hashedEmail } from '../../emulator';
import type { Emulator } from '../../emulator';
import { nowMs } from '../../emulator/log';
import {
	UserWriteLimiter,
	WINDOW_MARGIN_MS,
	inProcessLimiterFactory,
	writeWindowFor,
} from '../../nodes/PinterestAudienceSync/engine/rateLimit';
import type { SendMark } from '../../nodes/PinterestAudienceSync/engine/pinterest';

export interface TimedWrite {
	/** When the limiter started the write. */
	startedAt: number;
	status: number;
}

/** A limiter of its own (a fresh id), at `requestsPerSecond`, all of whose starts happen in this process. */
export function limiterFor(requestsPerSecond: number): UserWriteLimiter {
	const id = `test-limiter-${Math.random()}`;
	return new UserWriteLimiter(
		inProcessLimiterFactory.create(id, writeWindowFor(requestsPerSecond)),
		requestsPerSecond,
		{
			allStartsInThisProcess: true,
		},
	);
}

/** Adds one hashed email to the demo account's "Newsletter subscribers" list; `onSend` as the transport calls it. */
export function timedPatch(emu: Emulator, email: string, onSend?: SendMark): Promise<TimedWrite> {
	const list = emu.findCustomerLists(emu.demo.adAccountId, 'Newsletter subscribers')[0];
	const startedAt = nowMs();
	onSend?.();
	return fetch(`${emu.apiBaseUrl}/ad_accounts/${emu.demo.adAccountId}/customer_lists/${list.id}`, {
		method: 'PATCH',
		headers: {
			Authorization: `Bearer ${emu.demo.accessToken}`,
			'Content-Type': 'application/json',
		},
		body: JSON.stringify({ operation_type: 'ADD', records: hashedEmail(email) }),
	}).then((response) => ({ startedAt, status: response.status }));
}

/** Any `slots + 1` consecutive starts span at least the limiter's window (less 1 ms of timer granularity). */
export function expectStartsWithinWindow(writes: TimedWrite[], requestsPerSecond: number): void {
	const { slots, holdMs } = writeWindowFor(requestsPerSecond);
	const starts = writes.map((w) => w.startedAt).sort((a, b) => a - b);
	const tightest = Math.min(...starts.slice(slots).map((start, i) => start - starts[i]));
	expect(tightest).toBeGreaterThanOrEqual(holdMs - 1);
}

/**
 * The window's margin covers start-to-arrival delays that differ by up to WINDOW_MARGIN_MS. A 429 is
 * acceptable only where they differed by more (the process paused between a start and its arrival, as
 * on a loaded machine); the engine retries it. Pairs the n-th start with the n-th arrival.
 */
export function expectRefusalsOnlyFromArrivalJitter(emu: Emulator, writes: TimedWrite[]): void {
	expect(writes.filter((w) => w.status !== 200 && w.status !== 429)).toEqual([]);
	const arrivals = emu.log
		.filter((e) => e.method === 'PATCH')
		.map((e) => e.t)
		.sort((a, b) => a - b);
	const starts = writes.map((w) => w.startedAt).sort((a, b) => a - b);
	expect(arrivals).toHaveLength(starts.length);
	const delays = arrivals.map((t, i) => t - starts[i]);
	const jitter = Math.max(...delays) - Math.min(...delays);
	if (jitter <= WINDOW_MARGIN_MS) expect(writes.filter((w) => w.status === 429)).toEqual([]);
}
