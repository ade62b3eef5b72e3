/**
 * Fault matrix, load: 50 executions at once for one Pinterest user, and every execution accounts for
 * exactly its own users. Their shared pace at Pinterest's real 7 per second: concurrency.pacing.test.ts.
 */
import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import type { TargetAudience } from './support';
import {
	INJECTED_FAULTS_ONLY,
	createTarget,
	credentialFor,
	emailItems,
	expectAllHeld,
	runNode,
	statusCounts,
	toTarget,
} from './support';

// Runs against a live server with real retries and rate limits: allow more than the 5 s default.
jest.setTimeout(30_000);

let emu: Emulator;
let target: TargetAudience;

beforeAll(async () => {
	// Pinterest's 7 writes per second with 50 executions at once: concurrency.pacing.test.ts.
	emu = await startEmulator(INJECTED_FAULTS_ONLY);
	target = await createTarget(emu, 'Load');
});
afterAll(async () => {
	await emu.close();
});

it('50 concurrent executions with a flush window: coalesced into a few writes, each execution gets its own metrics', async () => {
	const since = emu.log.length;
	const runs = await Promise.all(
		Array.from({ length: 50 }, (_, k) =>
			runNode({
				credential: credentialFor(emu),
				parameters: toTarget(target, { flushWindowSeconds: 1 }),
				items: emailItems(30 + k, 500_000 + k * 100),
			}),
		),
	);

	runs.forEach((run, k) => {
		expect(statusCounts(run)).toEqual({ synced: 30 + k });
		expect(run.metrics.entered).toBe(30 + k);
	});
	const writes = emu.log.slice(since).filter((e) => e.category === 'ads_write');
	const accepted = writes.filter((e) => e.status === 200);
	expect(accepted.reduce((n, e) => n + e.recordCount, 0)).toBe(50 * 30 + (49 * 50) / 2);
	expect(accepted.length).toBeLessThanOrEqual(3);
	expect(Math.max(...accepted.map((e) => e.recordCount))).toBeLessThanOrEqual(1900);
	expectAllHeld(
		emu,
		target.customerListId,
		runs.flatMap((r) => r.users),
	);
});
