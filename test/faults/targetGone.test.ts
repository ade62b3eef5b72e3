/**
 * Fault matrix, the target disappearing mid-run (a 403 or 404 means the ad account or audience is
 * gone, so a retry cannot help): the users already accepted stay Synced, the others are Errored
 * with the reason, and the node stops sending to a target it knows is gone.
 */
import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import {
	INJECTED_FAULTS_ONLY,
	createTarget,
	emailItems,
	executeExpectingError,
	expectAllHeld,
	freshCredential,
	patchesTo,
	runNode,
	statusCounts,
	statusOf,
	toTarget,
	whenLogged,
} from './support';

// Runs against a live server with real retries and rate limits: allow more than the 5 s default.
jest.setTimeout(30_000);

// Two requests a second leave 500 ms between writes, so the deletion always lands between the first
// and the second request.
const SLOW = { batchSize: 500, requestsPerSecond: 2 };

describe('audience deleted mid-run', () => {
	let emu: Emulator;
	beforeAll(async () => {
		emu = await startEmulator(INJECTED_FAULTS_ONLY);
	});
	afterEach(() => emu.clearFaults());
	afterAll(async () => {
		await emu.close();
	});

	it('writes refused with 404 after the deletion: later users Errored "audience not found", no retries, nothing more sent', async () => {
		const target = await createTarget(emu, 'Deleted mid-run');
		// Pinterest's answer to writes once the audience is gone (it documents no code for this; a 404,
		// as for any unknown audience, is the likely one): the first write passes, every later one is
		// refused.
		emu.addFault({
			method: 'PATCH',
			path: `/customer_lists/${target.customerListId}`,
			count: 1,
			kind: 'hang',
			hangMs: 0,
		});
		emu.addFault({
			method: 'PATCH',
			path: `/customer_lists/${target.customerListId}`,
			count: 1000,
			status: 404,
			body: { code: 2, message: 'Customer list not found.' },
		});
		const since = emu.log.length;
		const deleted = whenLogged(
			emu,
			(e) => e.method === 'PATCH' && e.path.endsWith(target.customerListId),
			since,
		).then(() => emu.deleteAudience(emu.demo.adAccountId, target.audienceId));
		const items = emailItems(2000);
		const run = await runNode({
			credential: freshCredential(emu),
			parameters: toTarget(target, SLOW),
			items,
			continueOnFail: true,
		});
		await deleted;

		expect(statusCounts(run)).toEqual({ synced: 500, 'errored: audience not found': 1500 });
		expect(statusOf(run, 499)).toEqual({ status: 'synced' });
		expect(statusOf(run, 500)).toEqual({ status: 'errored', reason: 'audience not found' });
		expect(run.metrics.retries).toBe(0);
		expect(run.metrics.error).toMatch(
			/was not found in ad account 549755885175.*Pick another audience, or choose "Create New Audience"/,
		);
		expect(patchesTo(emu, target.customerListId, since).map((e) => e.status)).toEqual([200, 404]);
	});

	it("the emulator's model (the list keeps taking writes): the run that was going on completes, the next one is refused at once", async () => {
		const target = await createTarget(emu, 'Deleted between runs');
		const since = emu.log.length;
		const deleted = whenLogged(
			emu,
			(e) => e.method === 'PATCH' && e.path.endsWith(target.customerListId),
			since,
		).then(() => emu.deleteAudience(emu.demo.adAccountId, target.audienceId));
		const first = emailItems(1500, 10_000);
		const running = await runNode({
			credential: freshCredential(emu),
			parameters: toTarget(target, SLOW),
			items: first,
			continueOnFail: true,
		});
		await deleted;
		expect(statusCounts(running)).toEqual({ synced: 1500 });
		expectAllHeld(emu, target.customerListId, first);

		const before = emu.log.length;
		const next = await runNode({
			credential: freshCredential(emu),
			parameters: toTarget(target, SLOW),
			items: emailItems(1500, 20_000),
			continueOnFail: true,
		});
		expect(statusCounts(next)).toEqual({ 'errored: audience not found': 1500 });
		expect(next.metrics.retries).toBe(0);
		expect(patchesTo(emu, target.customerListId, before)).toHaveLength(0);

		const error = await executeExpectingError({
			credential: freshCredential(emu),
			parameters: toTarget(target),
			items: emailItems(2),
		});
		expect(error.message).toMatch(/was not found.*Pick another audience/);
	});
});

describe('ad account gone', () => {
	let emu: Emulator;
	beforeAll(async () => {
		emu = await startEmulator(INJECTED_FAULTS_ONLY);
	});
	afterAll(async () => {
		await emu.close();
	});

	it('deleted mid-run: later users Errored "ad account not found", no retries; the next run is refused before any write', async () => {
		const target = await createTarget(emu, 'Account gone');
		const since = emu.log.length;
		const deleted = whenLogged(
			emu,
			(e) => e.method === 'PATCH' && e.path.endsWith(target.customerListId),
			since,
		).then(() => emu.deleteAdAccount(emu.demo.adAccountId));
		const run = await runNode({
			credential: freshCredential(emu),
			parameters: toTarget(target, SLOW),
			items: emailItems(2000),
			continueOnFail: true,
		});
		await deleted;

		expect(statusCounts(run)).toEqual({ synced: 500, 'errored: ad account not found': 1500 });
		expect(run.metrics.retries).toBe(0);
		expect(run.metrics.error).toMatch(
			/does not know ad account 549755885175 \(deleted, or not shared with the connected user\)\. Pick another ad account/,
		);
		expect(patchesTo(emu, target.customerListId, since).map((e) => e.status)).toEqual([200, 404]);

		const before = emu.log.length;
		const next = await runNode({
			credential: freshCredential(emu),
			parameters: toTarget(target),
			items: emailItems(30),
			continueOnFail: true,
		});
		expect(statusCounts(next)).toEqual({ 'errored: ad account not found': 30 });
		expect(emu.log.slice(before).filter((e) => e.category === 'ads_write')).toHaveLength(0);
	});
});
