/**
 * Fault matrix, the API going away mid-run: the emulator is closed while a big run waits in its retry
 * loop and a new one starts on the same port. Users end Synced or Errored with a reason, none lost.
 */
import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import { sleep } from '../../nodes/PinterestAudienceSync/engine/coordination';
import {
	createTarget,
	credentialFor,
	emailItems,
	expectAllHeld,
	patchesTo,
	runNode,
	statusCounts,
	toTarget,
	whenLogged,
} from './support';

// Runs against a live server with real retries and rate limits: allow more than the 5 s default.
jest.setTimeout(30_000);

const running: Emulator[] = [];
async function start(port = 0): Promise<Emulator> {
	const emu = await startEmulator({ port });
	running.push(emu);
	return emu;
}
afterAll(async () => {
	await Promise.all(running.map((emu) => emu.close()));
});

/** Closes `emu` once a failing write reached it, stays down for `downMs`, then starts a fresh one on its port. */
async function restartDuringRetries(emu: Emulator, downMs: number): Promise<Emulator> {
	await whenLogged(emu, (e) => e.method === 'PATCH' && e.status === 503);
	await emu.close();
	await sleep(downMs);
	return await start(Number(new URL(emu.url).port));
}

describe('the API restarts while a run is retrying', () => {
	it('the audience exists after the restart: every user Synced, all held by the new server', async () => {
		const before = await start();
		// A seeded audience: a fresh emulator has it again under the same IDs.
		const seeded = before
			.findAudiences(before.demo.adAccountId)
			.find((a) => a.audience_type === 'CUSTOMER_LIST');
		const audienceId = seeded?.id as string;
		const customerListId = seeded?.rule.customer_list_id as string;
		expect(audienceId).toBeDefined();
		before.addFault({ method: 'PATCH', path: '/customer_lists/', count: 10_000, status: 503 });

		const items = emailItems(6000);
		const target = {
			audienceId,
			customerListId,
			locator: { __rl: true as const, mode: 'id' as const, value: audienceId },
		};
		const run = runNode({
			credential: credentialFor(before),
			parameters: toTarget(target),
			items,
			continueOnFail: true,
		});
		const after = await restartDuringRetries(before, 1000);
		const result = await run;

		expect(statusCounts(result)).toEqual({ synced: 6000 });
		expect(result.metrics.retries).toBeGreaterThanOrEqual(4);
		expectAllHeld(after, customerListId, items);
		expect(patchesTo(after, customerListId).every((e) => e.status === 200)).toBe(true);
	});

	it('the audience is unknown after the restart: every user Errored "audience not found", none lost, no retry storm', async () => {
		const before = await start();
		const target = await createTarget(before, 'Restart');
		before.addFault({ method: 'PATCH', path: '/customer_lists/', count: 10_000, status: 503 });

		const run = runNode({
			credential: credentialFor(before),
			parameters: toTarget(target),
			items: emailItems(6000, 50_000),
			continueOnFail: true,
		});
		const after = await restartDuringRetries(before, 500);
		const result = await run;

		expect(statusCounts(result)).toEqual({ 'errored: audience not found': 6000 });
		const refused = after.log.filter((e) => e.method === 'PATCH');
		expect(refused.every((e) => e.status === 404)).toBe(true);
		// Batches already waiting to retry may each learn it once; nothing is retried after a 404.
		expect(refused.length).toBeLessThanOrEqual(4);
	});
});
