/**
 * Fault matrix, a long 429 storm inside the retry window: twenty "too many requests" answers in a row.
 * The shared limiter backs off (up to 8× its spacing) instead of hammering, and every user ends Synced.
 * About 21 s, almost all of it the limiter's real-time back-off (~1.2 s between attempts at its slowest):
 * part of `npm run test:pacing`.
 */
import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import {
	createTarget,
	credentialFor,
	emailItems,
	expectAllHeld,
	patchesTo,
	runNode,
	statusCounts,
	toTarget,
} from './support';

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

it('20 consecutive 429s, then every user Synced', async () => {
	const target = await createTarget(emu, 'Storm');
	emu.addFault({
		method: 'PATCH',
		path: '/customer_lists/',
		count: 20,
		status: 429,
		headers: { 'retry-after': '0' },
	});
	const items = emailItems(1900);
	const since = emu.log.length;
	const run = await runNode({
		credential: credentialFor(emu),
		parameters: toTarget(target),
		items,
	});

	expect(statusCounts(run)).toEqual({ synced: 1900 });
	expect(run.metrics.rateLimited).toBe(20);
	expect(run.metrics.retries).toBe(20);
	const patches = patchesTo(emu, target.customerListId, since);
	expect(patches.map((e) => e.status)).toEqual([...Array<number>(20).fill(429), 200]);
	expectAllHeld(emu, target.customerListId, items);
}, 40_000);
