/**
 * Mirror through the node against the running emulator: the list ends equal to the last input, only
 * changes travel, and a run that failed part-way is corrected by the next one. The memory is a file under
 * a throw-away n8n user folder (no Redis configured).
 */
import { mkdtempSync, readdirSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import {
	DIFFERENCE,
	FileMirrorStore,
	UNION,
	applyChanges,
	changedParts,
	combine,
	decodeMirrorState,
	encodeMirrorState,
	gather,
	selectByOutcome,
	sortInPlace,
	sortOrder,
} from '../../../../../nodes/PinterestAudienceSync/engine/mirror';
import type { MirrorStore } from '../../../../../nodes/PinterestAudienceSync/engine/mirror';
import {
	DEFAULT_SYNC_SETTINGS,
	MIRROR_BASELINE,
	runSync,
} from '../../../../../nodes/PinterestAudienceSync/engine/sync';
import { processRuntime } from '../../../../../nodes/PinterestAudienceSync/engine/runtime';
import { fetchClient } from '../../../../queue-mode/fetchClient';
import type { NodeRun } from '../../../../helpers/nodeRunner';
import {
	credentialFor,
	emailItems,
	runNode,
	statusOf,
	syncParameters,
} from '../../../../helpers/nodeRunner';
import { patchesTo, sha, uniqueName } from '../../../../faults/support';

jest.setTimeout(120_000);

let emu: Emulator;
let userFolder: string;
const saved = { ...process.env };

beforeAll(async () => {
	userFolder = mkdtempSync(join(tmpdir(), 'pas-mirror-'));
	for (const name of [
		'PINTEREST_AUDIENCE_SYNC_REDIS_URL',
		'PINTEREST_AUDIENCE_SYNC_REDIS',
		'EXECUTIONS_MODE',
	])
		delete process.env[name];
	process.env.N8N_USER_FOLDER = userFolder;
	emu = await startEmulator();
});
afterEach(() => emu.clearFaults());
afterAll(async () => {
	process.env = saved;
	await emu.close();
	rmSync(userFolder, { recursive: true, force: true });
});

/** Users `from` … `to − 1` as items. */
const users = (from: number, to: number) => emailItems(to - from, from);

function expectListEquals(customerListId: string, from: number, to: number): void {
	const held = emu.listRecords(emu.demo.adAccountId, customerListId);
	const expected = new Set(users(from, to).map((item) => sha(String(item.json.email))));
	expect(held.size).toBe(expected.size);
	expect([...expected].filter((record) => !held.has(record))).toHaveLength(0);
}

const recordsIn = (customerListId: string, since: number): number =>
	patchesTo(emu, customerListId, since).reduce((n, entry) => n + entry.recordCount, 0);

describe('Mirror keeps the audience equal to the input', () => {
	const name = uniqueName('Mirror');
	const mirror = (
		items: ReturnType<typeof users>,
		options: Record<string, unknown> = {},
		continueOnFail = false,
	): Promise<NodeRun> =>
		runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ action: 'mirror', audienceName: name, options }),
			items,
			continueOnFail,
		});
	let customerListId: string;

	it('first run: creates the audience with all 5,000 users and removes nothing', async () => {
		const run = await mirror(users(0, 5000));
		customerListId = run.metrics.customerListId as string;
		expect(run.metrics).toMatchObject({
			action: 'mirror',
			audienceCreated: true,
			usersSynced: 5000,
			usersAdded: 5000,
			usersUnchanged: 0,
			usersRemoved: 0,
			mirrorBaseline: MIRROR_BASELINE,
		});
		expectListEquals(customerListId, 0, 5000);
		// Only hashes are remembered: one file for the list, 32 bytes per member plus a 12-byte header.
		const files = readdirSync(join(userFolder, '.n8n', 'pinterest-audience-sync', 'mirror'));
		expect(files).toEqual([`${emu.demo.adAccountId}-${customerListId}-email.bin`]);
	});

	it('4,000 of them and 1,000 new: 1,000 records added, 1,000 removed, the list equals the input', async () => {
		const since = emu.log.length;
		const run = await mirror(users(1000, 6000));
		expect(run.metrics).toMatchObject({
			usersSynced: 5000,
			usersAdded: 1000,
			usersUnchanged: 4000,
			usersRemoved: 1000,
			usersNotRemoved: 0,
			recordsSent: 2000,
		});
		expect(run.metrics.mirrorBaseline).toBeUndefined();
		expect(recordsIn(customerListId, since)).toBe(2000);
		expect(statusOf(run, 0).status).toBe('synced');
		expectListEquals(customerListId, 1000, 6000);
	});

	it('the same input again: nothing is sent', async () => {
		const since = emu.log.length;
		const run = await mirror(users(1000, 6000));
		expect(run.metrics).toMatchObject({
			usersSynced: 5000,
			usersAdded: 0,
			usersUnchanged: 5000,
			usersRemoved: 0,
			recordsSent: 0,
		});
		expect(patchesTo(emu, customerListId, since)).toHaveLength(0);
		expectListEquals(customerListId, 1000, 6000);
	});

	it('a removal batch failing past its retry window is removed by the next run', async () => {
		// Batches of 500: two ADDs, then two REMOVEs; the first REMOVE fails and is not retried (window 0).
		emu.addFault({
			method: 'PATCH',
			path: `/customer_lists/${customerListId}`,
			skip: 2,
			count: 1,
			status: 503,
		});
		const options = { batchSize: 500, retryWindowMinutes: 0 };
		const failed = await mirror(users(2000, 7000), options, true);
		expect(failed.metrics).toMatchObject({
			usersSynced: 5000,
			usersAdded: 1000,
			usersRemoved: 500,
			usersNotRemoved: 500,
		});
		expect(String(failed.metrics.error)).toMatch(/ad account/);
		expect(emu.listRecords(emu.demo.adAccountId, customerListId).size).toBe(5500);

		const since = emu.log.length;
		const healed = await mirror(users(2000, 7000), options);
		expect(healed.metrics).toMatchObject({
			usersAdded: 0,
			usersUnchanged: 5000,
			usersRemoved: 500,
			usersNotRemoved: 0,
			recordsSent: 500,
		});
		expect(recordsIn(customerListId, since)).toBe(500);
		expectListEquals(customerListId, 2000, 7000);
	});

	it('an ADD failing past its retry window is added by the next run, and removed if its user left', async () => {
		emu.addFault({
			method: 'PATCH',
			path: `/customer_lists/${customerListId}`,
			count: 1,
			status: 503,
		});
		const options = { batchSize: 500, retryWindowMinutes: 0 };
		const failed = await mirror(users(2000, 8000), options, true);
		expect(failed.metrics).toMatchObject({ usersSynced: 5500, usersErrored: 500, usersAdded: 500 });
		// The failed users leave the input before the next run: they are removed, in case the ADD landed.
		const since = emu.log.length;
		const next = await mirror(users(2000, 7500), options);
		// Which 500 failed depends on the digests' order: those still in the input are added now.
		expect(next.metrics).toMatchObject({ usersErrored: 0, usersSynced: 5500, usersRemoved: 500 });
		expect((next.metrics.usersAdded as number) + (next.metrics.usersUnchanged as number)).toBe(
			5500,
		);
		expect(recordsIn(customerListId, since)).toBe((next.metrics.usersAdded as number) + 500);
		expectListEquals(customerListId, 2000, 7500);
	});

	it('Resend All Users adds everyone again and removes only who left', async () => {
		const since = emu.log.length;
		const run = await mirror(users(2000, 7400), { resendAll: true });
		expect(run.metrics).toMatchObject({
			usersAdded: 5400,
			usersUnchanged: 0,
			usersRemoved: 100,
			recordsSent: 5500,
		});
		expect(recordsIn(customerListId, since)).toBe(5500);
		expectListEquals(customerListId, 2000, 7400);
	});
});

describe('an input without one usable identifier', () => {
	const name = uniqueName('Mirror unusable input');
	const mirror = (items: ReturnType<typeof users>, continueOnFail = false): Promise<NodeRun> =>
		runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ action: 'mirror', audienceName: name }),
			items,
			continueOnFail,
		});
	/** Items whose Email field holds no email: what a renamed column or a wrong expression brings. */
	const unusable = (count: number) =>
		users(0, count).map((item) => ({
			json: { ...item.json, email: `not an email ${item.json.n}` },
		}));

	it('removes no one (it would empty the audience) and says why, naming the audience', async () => {
		const first = await mirror(users(0, 300));
		const customerListId = first.metrics.customerListId as string;
		const since = emu.log.length;

		const refused = await mirror(unusable(300), true);
		expect(patchesTo(emu, customerListId, since)).toHaveLength(0);
		expectListEquals(customerListId, 0, 300);
		expect(refused.metrics).toMatchObject({
			usersNotSynced: 300,
			usersRemoved: 0,
			usersNotRemoved: 300,
		});
		expect(String(refused.metrics.error)).toContain(name);
		expect(String(refused.metrics.error)).toMatch(/removed no one/i);
		await expect(mirror(unusable(300))).rejects.toThrow(/removed no one/i);

		// The memory is untouched: the same 300 users again change nothing.
		const again = await mirror(users(0, 300));
		expect(again.metrics).toMatchObject({ usersUnchanged: 300, usersRemoved: 0, recordsSent: 0 });
	});

	it('still removes everyone but one when one usable user is left', async () => {
		const second = uniqueName('Mirror one left');
		const run = (items: ReturnType<typeof users>) =>
			runNode({
				credential: credentialFor(emu),
				parameters: syncParameters({ action: 'mirror', audienceName: second }),
				items,
			});
		const first = await run(users(0, 50));
		const customerListId = first.metrics.customerListId as string;
		const next = await run([...unusable(49), ...users(49, 50)]);
		expect(next.metrics).toMatchObject({ usersUnchanged: 1, usersRemoved: 49 });
		expectListEquals(customerListId, 49, 50);
	});
});

describe('a run that dies after sending, before it records the outcome', () => {
	/** The file store, except that the run "dies" when it writes its outcome (its second write). */
	class DyingStore implements MirrorStore {
		readonly description = 'a store whose process dies';
		constructor(private readonly inner: FileMirrorStore) {}
		async acquire(key: string, waitMs: number) {
			const lease = await this.inner.acquire(key, waitMs);
			let writes = 0;
			return {
				...lease,
				write: async (parts: Uint8Array[]) => {
					if (++writes === 2) throw new Error('process died');
					await lease.write(parts);
				},
			};
		}
	}

	const mirrorUsers = (store: MirrorStore, name: string, from: number, to: number) =>
		runSync({
			client: fetchClient(emu.apiBaseUrl, emu.demo.accessToken),
			credentialKey: 'mirror-crash-test',
			adAccountId: emu.demo.adAccountId,
			audience: { mode: 'createNew', name },
			action: 'mirror',
			mirror: { store, resendAll: false, lockWaitMs: 5000 },
			fields: ['email'],
			userCount: to - from,
			readIdentifier: (user) => `user${from + user}@example.com`,
			settings: { ...DEFAULT_SYNC_SETTINGS, flushWindowMs: 0 },
			runtime: processRuntime(),
		});

	it('the users it added are removed by the next run when they left the input', async () => {
		const store = new FileMirrorStore(join(userFolder, 'crash'));
		const name = uniqueName('Mirror crash');
		const first = await mirrorUsers(store, name, 0, 100);
		const customerListId = first.metrics.customerListId as string;
		// 100-149 reach Pinterest, then the run dies before it records that.
		const dying = await mirrorUsers(new DyingStore(store), name, 0, 150);
		expect((dying.failureCause as Error).message).toBe('process died');
		expect(emu.listRecords(emu.demo.adAccountId, customerListId).size).toBe(150);
		// The next run's input no longer has them: they were remembered as possibly added, and are removed.
		const next = await mirrorUsers(store, name, 0, 100);
		expect(next.metrics).toMatchObject({ usersUnchanged: 100, usersRemoved: 50, usersErrored: 0 });
		expectListEquals(customerListId, 0, 100);
	});
});

describe('sorted digests', () => {
	const digests = (from: number, to: number): Uint8Array => {
		const hex = users(from, to).map((item) => sha(String(item.json.email)));
		const bytes = Buffer.from(hex.join(''), 'hex');
		return gather(bytes, sortOrder(bytes, hex.length));
	};
	const hexOf = (sorted: Uint8Array): string[] =>
		Buffer.from(sorted).toString('hex').match(/.{64}/g) ?? [];

	it('sorts in byte order and merges as sets', () => {
		const a = digests(0, 3000);
		const b = digests(2000, 4000);
		expect(hexOf(a)).toEqual([...hexOf(a)].sort());
		expect(hexOf(combine(a, b, UNION))).toEqual(hexOf(digests(0, 4000)));
		expect(hexOf(combine(a, b, DIFFERENCE))).toEqual(hexOf(digests(0, 2000)));
	});

	it('applies removals and additions in one merge', () => {
		const base = digests(0, 3000);
		// 0-499 removed; 2500-3499 added (the first half already in base, as when resending).
		expect(hexOf(applyChanges(base, digests(0, 500), digests(2500, 3500)))).toEqual(
			hexOf(digests(500, 3500)),
		);
		expect(hexOf(applyChanges(new Uint8Array(0), new Uint8Array(0), base))).toEqual(hexOf(base));
	});

	it('gives the next members as views of the members and the changes, not a copy', () => {
		const base = digests(0, 3000);
		const removed = gather(base, [5, 6, 7, 2000]);
		const added = digests(3000, 3010);
		const parts = changedParts(base, removed, added);
		expect(hexOf(Buffer.concat(parts))).toEqual(
			hexOf(combine(combine(base, removed, DIFFERENCE), added, UNION)),
		);
		for (const part of parts) expect([base.buffer, added.buffer]).toContain(part.buffer);
		// Each run of kept members is one view: a removal or an addition splits a run, nothing else does.
		expect(parts.length).toBeLessThanOrEqual(2 * (4 + 10) + 1);
		// Nothing remembered yet: the next members are the added digests themselves.
		expect(changedParts(new Uint8Array(0), new Uint8Array(0), added)).toEqual([added]);
	});

	it('leaves a set as it is where a merge or a selection would copy it whole', () => {
		const a = digests(0, 100);
		expect(combine(a, new Uint8Array(0), UNION)).toBe(a);
		expect(combine(new Uint8Array(0), a, UNION)).toBe(a);
		expect(combine(a, new Uint8Array(0), DIFFERENCE)).toBe(a);
		expect(combine(new Uint8Array(0), a, DIFFERENCE)).toHaveLength(0);
		expect(selectByOutcome(a, new Uint8Array(100).fill(1), 1)).toBe(a);
		const some = new Uint8Array(100);
		some[3] = 1;
		some[70] = 1;
		expect(hexOf(selectByOutcome(a, some, 1))).toEqual([hexOf(a)[3], hexOf(a)[70]]);
	});

	it('sorts a set in place as it would copy it sorted', () => {
		const hex = users(0, 2500).map((item) => sha(String(item.json.email)));
		const bytes = Buffer.from(hex.join(''), 'hex');
		const order = sortOrder(bytes, hex.length);
		const copied = gather(bytes, order);
		const sorted = sortInPlace(bytes, order);
		expect(sorted.buffer).toBe(bytes.buffer);
		expect(hexOf(sorted)).toEqual(hexOf(copied));
		expect(hexOf(sorted)).toEqual([...hex].sort());
	});

	it('orders digests sharing their first bytes by the rest', () => {
		const bytes = Buffer.alloc(3 * 32);
		bytes[31] = 3;
		bytes[63] = 1;
		bytes[95] = 2;
		expect([...sortOrder(bytes, 3)]).toEqual([1, 2, 0]);
	});

	it('stores members and uncertain digests, and refuses anything else', () => {
		const state = { members: digests(0, 10), uncertain: digests(10, 12) };
		const stored = Buffer.concat(encodeMirrorState(state));
		expect(stored).toHaveLength(12 + 12 * 32);
		const decoded = decodeMirrorState(stored);
		expect(hexOf(decoded!.members)).toEqual(hexOf(state.members));
		expect(hexOf(decoded!.uncertain)).toEqual(hexOf(state.uncertain));
		expect(decodeMirrorState(Buffer.from('[{"email":"x"}]'))).toBeUndefined();
		expect(decodeMirrorState(stored.subarray(0, 100))).toBeUndefined();
	});
});
