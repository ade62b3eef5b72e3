import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { PinterestAudienceSync } from '../../../../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import { createExecuteContext } from '../../../../helpers/n8nContext';
import { credentialFor, runNode, statusOf, syncParameters } from '../../../../helpers/nodeRunner';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const ACCOUNT = '549755885175';
const OTHER_USERS_ACCOUNT = '549755885177';

let emu: Emulator;
let runCounter = 0;
const unique = (label: string) => `${label} ${++runCounter} ${Date.now()}`;

let userFolder: string;
const previousUserFolder = process.env.N8N_USER_FOLDER;

beforeAll(async () => {
	emu = await startEmulator();
	// Mirror remembers each list's members under n8n's user folder.
	userFolder = mkdtempSync(join(tmpdir(), 'pas-targets-'));
	process.env.N8N_USER_FOLDER = userFolder;
});
afterAll(async () => {
	await emu.close();
	if (previousUserFolder === undefined) delete process.env.N8N_USER_FOLDER;
	else process.env.N8N_USER_FOLDER = previousUserFolder;
	rmSync(userFolder, { recursive: true, force: true });
});

/** Users whose items name their segment; user i is in segments[i % segments.length]. */
function segmentItems(count: number, segments: string[]): INodeExecutionData[] {
	return Array.from({ length: count }, (_, i) => ({
		json: { email: `seg${i}@example.com`, segment: segments[i % segments.length] },
	}));
}

function heldBy(name: string): ReadonlySet<string> {
	const lists = emu.findCustomerLists(ACCOUNT, name);
	expect(lists).toHaveLength(1);
	return emu.listRecords(ACCOUNT, lists[0].id);
}

function emailsOf(items: INodeExecutionData[], segment: string): string[] {
	return items
		.filter((item) => item.json.segment === segment)
		.map((item) => sha(String(item.json.email)));
}

/** Counts n8n's parameter reads per parameter name (each read may evaluate an expression). */
function countingContext(
	parameters: Record<string, unknown>,
	items: INodeExecutionData[],
): { context: IExecuteFunctions; reads: Map<string, number> } {
	const context = createExecuteContext({ credential: credentialFor(emu), parameters, items });
	const reads = new Map<string, number>();
	const original = context.getNodeParameter.bind(context) as (...args: unknown[]) => unknown;
	(context as unknown as { getNodeParameter: (...args: unknown[]) => unknown }).getNodeParameter = (
		...args: unknown[]
	) => {
		reads.set(String(args[0]), (reads.get(String(args[0])) ?? 0) + 1);
		return original(...args);
	};
	return { context, reads };
}

describe('Sync Users: targets per item', () => {
	it('sends each user to the audience its own item names: 3 segments → 3 audiences, each with exactly its users', async () => {
		const segments = [unique('Segment A'), unique('Segment B'), unique('Segment C')];
		const items = segmentItems(30, segments);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: '={{ $json.segment }}' }),
			items,
			targets: 3,
		});

		expect(run.metricsItems.map((m) => m.audienceName)).toEqual(segments);
		for (const [index, segment] of segments.entries()) {
			const metrics = run.metricsItems[index];
			expect(metrics).toMatchObject({
				entered: 10,
				usersSynced: 10,
				audienceCreated: true,
				adAccountId: ACCOUNT,
			});
			expect([...heldBy(segment)].sort()).toEqual(emailsOf(items, segment).sort());
		}
		expect(new Set(run.metricsItems.map((m) => m.customerListId)).size).toBe(3);
	});

	it('removes each user from the audience its own item names', async () => {
		const segments = [unique('Remove A'), unique('Remove B')];
		const items = segmentItems(8, segments);
		await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: '={{ $json.segment }}' }),
			items,
			targets: 2,
		});
		const leaving = [items[0], items[3]];
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: '={{ $json.segment }}', action: 'remove' }),
			items: leaving,
			targets: 2,
		});
		expect(
			run.metricsItems.map((m) => [m.audienceName, m.action, m.usersSynced, m.audienceCreated]),
		).toEqual([
			[segments[0], 'remove', 1, false],
			[segments[1], 'remove', 1, false],
		]);
		for (const segment of segments) {
			const staying = items.filter((item) => !leaving.includes(item));
			expect([...heldBy(segment)].sort()).toEqual(emailsOf(staying, segment).sort());
		}
	});

	it('mirrors each audience to exactly the users whose items name it', async () => {
		const segments = [unique('Mirror A'), unique('Mirror B')];
		const first = segmentItems(10, segments);
		await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: '={{ $json.segment }}', action: 'mirror' }),
			items: first,
			targets: 2,
		});
		// Users 0-3 leave; users 10-13 join, 10 and 12 in A, 11 and 13 in B.
		const second = segmentItems(14, segments).slice(4);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: '={{ $json.segment }}', action: 'mirror' }),
			items: second,
			targets: 2,
		});
		expect(
			run.metricsItems.map((m) => [m.audienceName, m.usersAdded, m.usersRemoved, m.usersUnchanged]),
		).toEqual([
			[segments[0], 2, 2, 3],
			[segments[1], 2, 2, 3],
		]);
		for (const segment of segments)
			expect([...heldBy(segment)].sort()).toEqual(emailsOf(second, segment).sort());
	});

	it('renders text around the item values, and falls back to n8n for any other expression', async () => {
		const label = unique('Country');
		const items = [
			{ json: { email: 'c1@example.com', country: 'FR' } },
			{ json: { email: 'c2@example.com', country: 'DE' } },
			{ json: { email: 'c3@example.com', country: 'FR' } },
		];
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: `={{ $json.country }} – ${label}` }),
			items,
			targets: 2,
		});
		expect(run.metricsItems.map((m) => [m.audienceName, m.usersSynced])).toEqual([
			[`FR – ${label}`, 2],
			[`DE – ${label}`, 1],
		]);

		const computed = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceName: `={{ $json.country.toLowerCase() + " ${label}" }}`,
			}),
			items,
			targets: 2,
		});
		expect(computed.metricsItems.map((m) => [m.audienceName, m.usersSynced])).toEqual([
			[`fr ${label}`, 2],
			[`de ${label}`, 1],
		]);
	});

	it('errors only the users of an audience that was deleted; the other audiences still get theirs', async () => {
		const kept = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: unique('Kept') }),
			items: segmentItems(1, ['x']),
		});
		const gone = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: unique('Gone') }),
			items: segmentItems(1, ['x']),
		});
		emu.deleteAudience(ACCOUNT, gone.metrics.audienceId as string);

		const items = Array.from({ length: 12 }, (_, i) => ({
			json: {
				email: `mixed${i}@example.com`,
				audienceId: i % 3 === 0 ? gone.metrics.audienceId : kept.metrics.audienceId,
			},
		}));
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceMode: 'existing',
				audience: { __rl: true, mode: 'id', value: '={{ $json.audienceId }}' },
			}),
			items,
			targets: 2,
		});

		const [goneMetrics, keptMetrics] = run.metricsItems;
		expect(goneMetrics).toMatchObject({
			audienceId: gone.metrics.audienceId,
			entered: 4,
			usersErrored: 4,
			usersSynced: 0,
		});
		expect(goneMetrics.error).toMatch(/was not found/);
		expect(keptMetrics).toMatchObject({
			audienceId: kept.metrics.audienceId,
			entered: 8,
			usersSynced: 8,
			usersErrored: 0,
		});
		expect(keptMetrics.error).toBeUndefined();
		const held = emu.listRecords(ACCOUNT, kept.metrics.customerListId as string);
		items.forEach((item, i) => {
			expect(statusOf(run, i).status).toBe(i % 3 === 0 ? 'errored' : 'synced');
			expect(held.has(sha(String(item.json.email)))).toBe(i % 3 !== 0);
		});
		expect(statusOf(run, 0).reason).toContain(
			`audience ${String(gone.metrics.audienceId)} in ad account ${ACCOUNT}`,
		);
	});

	it('an item whose target is unusable makes only its users Not Synced, with a reason naming its value', async () => {
		const good = unique('Good');
		const items = [
			{ json: { email: 'u0@example.com', name: good, account: ACCOUNT } },
			{ json: { email: 'u1@example.com', name: '', account: ACCOUNT } },
			{ json: { email: 'u2@example.com', name: good, account: 'acme-shop' } },
			{ json: { email: 'u3@example.com', name: good, account: 'u3@example.com' } },
			{ json: { email: 'u4@example.com', name: good, account: OTHER_USERS_ACCOUNT } },
		];
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceName: '={{ $json.name }}',
				adAccount: { __rl: true, mode: 'id', value: '={{ $json.account }}' },
			}),
			items,
			targets: 5,
		});
		expect(statusOf(run, 0)).toEqual({ status: 'synced' });
		expect(statusOf(run, 1)).toEqual({
			status: 'notSynced',
			reason: 'The new audience has no name',
		});
		expect(statusOf(run, 2)).toEqual({
			status: 'notSynced',
			reason: '"acme-shop" is not a valid ad account ID',
		});
		// A value that may be a user's identifier is never quoted back.
		expect(statusOf(run, 3)).toEqual({
			status: 'notSynced',
			reason: 'The value given is not a valid ad account ID',
		});
		expect(JSON.stringify(run.metricsItems)).not.toContain('u3@example.com');
		expect(statusOf(run, 4).status).toBe('errored');
		expect(statusOf(run, 4).reason).toContain(`ad account ${OTHER_USERS_ACCOUNT}`);
		expect(run.metricsItems[4]).toMatchObject({
			adAccountId: OTHER_USERS_ACCOUNT,
			usersErrored: 1,
		});
		expect(heldBy(good).has(sha('u0@example.com'))).toBe(true);
	});

	it('stops before any call when no item names a usable target', async () => {
		const before = emu.log.length;
		const node = new PinterestAudienceSync();
		const context = createExecuteContext({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: '={{ $json.missing }}' }),
			items: segmentItems(3, ['a']),
		});
		await expect(node.execute.call(context)).rejects.toThrow('The new audience has no name');
		expect(emu.log.length).toBe(before);
	});

	it('reads fixed targets once, and a plain item path without evaluating it per item', async () => {
		const items = segmentItems(2_000, [unique('Read once')]);
		const fixed = countingContext(syncParameters({ audienceName: unique('Fixed') }), items);
		const [, fixedMetrics] = await new PinterestAudienceSync().execute.call(fixed.context);
		expect(fixedMetrics).toHaveLength(1);
		expect(fixed.reads.get('adAccount')).toBeLessThanOrEqual(2);
		expect(fixed.reads.get('audienceName')).toBeLessThanOrEqual(2);

		const perItem = countingContext(
			syncParameters({ audienceName: '={{ $json.segment }}' }),
			items,
		);
		const [, perItemMetrics] = await new PinterestAudienceSync().execute.call(perItem.context);
		expect(perItemMetrics.map((m) => m.json.usersSynced)).toEqual([2_000]);
		expect(perItem.reads.get('audienceName')).toBeLessThanOrEqual(2);

		// An expression that is not a plain path is n8n's to evaluate, for every item.
		const computed = countingContext(
			syncParameters({ audienceName: '={{ $json.segment.trim() }}' }),
			items,
		);
		await new PinterestAudienceSync().execute.call(computed.context);
		expect(computed.reads.get('audienceName')).toBeGreaterThanOrEqual(items.length);
	});
});
