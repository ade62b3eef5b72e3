/**
 * List Audiences over the 602 audiences of the emulator's big ad account (600 "Segment nnn"
 * customer-list audiences between a VISITOR and an ENGAGEMENT audience): bookmark pagination,
 * filters, limit and Return All.
 */
import { NodeOperationError } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { SIZE_EXPLANATION } from '../../../../../nodes/PinterestAudienceSync/actions/audience/common';
import { byId, operationError, requestsSince, runOperation } from './audienceRun';

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

const BIG = '549755885176';
const PAGE = `GET /v5/ad_accounts/${BIG}/audiences`;

const listParameters = (overrides: Record<string, unknown> = {}) => ({
	operation: 'listAudiences',
	adAccount: byId(BIG),
	returnAll: false,
	limit: 50,
	filters: {},
	...overrides,
});

const segment = (n: number) => `Segment ${String(n).padStart(3, '0')}`;

describe('List Audiences', () => {
	it('returns every audience of the account with Return All, 250 per page', async () => {
		const since = emu.log.length;

		const out = await runOperation(emu, { parameters: listParameters({ returnAll: true }) });

		expect(out).toHaveLength(602);
		expect(new Set(out.map((item) => item.json.id)).size).toBe(602);
		expect(out[0].json.name).toBe('Big account visitors');
		expect(out.slice(1, 601).map((item) => item.json.name)).toEqual(
			Array.from({ length: 600 }, (_, i) => segment(i + 1)),
		);
		expect(out[601].json.name).toBe('Big account engagers');
		for (const item of out) expect(item.pairedItem).toEqual({ item: 0 });
		expect(requestsSince(emu, since)).toEqual([PAGE, PAGE, PAGE]);
	});

	it('describes each audience with its size, or why the size is hidden', async () => {
		const out = await runOperation(emu, {
			parameters: listParameters({ filters: { name: 'segment 01' } }),
		});

		const byName = new Map(out.map((item) => [item.json.name, item.json]));
		expect(byName.get('Segment 010')).toEqual({
			id: expect.stringMatching(/^\d+$/) as string,
			name: 'Segment 010',
			type: 'CUSTOMER_LIST',
			status: 'READY',
			size: 120,
			sizeShown: true,
			description: null,
			adAccountId: BIG,
			shared: false,
		});
		expect(byName.get('Segment 011')).toMatchObject({
			status: 'TOO_SMALL',
			size: null,
			sizeShown: false,
			explanation: SIZE_EXPLANATION,
		});
	});

	it('stops at the limit and fetches only the pages it needs', async () => {
		const since = emu.log.length;

		const out = await runOperation(emu, { parameters: listParameters({ limit: 10 }) });

		expect(out.map((item) => item.json.name)).toEqual([
			'Big account visitors',
			...Array.from({ length: 9 }, (_, i) => segment(i + 1)),
		]);
		expect(requestsSince(emu, since)).toEqual([PAGE]);
	});

	it('crosses a page boundary for a limit above 250', async () => {
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: listParameters({ limit: 300, filters: { audienceType: 'CUSTOMER_LIST' } }),
		});

		expect(out).toHaveLength(300);
		expect(out[299].json.name).toBe(segment(300));
		expect(requestsSince(emu, since)).toEqual([PAGE, PAGE]);
	});

	it('filters by name, not case-sensitive, anywhere in the name', async () => {
		const out = await runOperation(emu, {
			parameters: listParameters({ filters: { name: '  sEgMeNt 05' } }),
		});

		expect(out.map((item) => item.json.name)).toEqual(
			Array.from({ length: 10 }, (_, i) => segment(50 + i)),
		);
	});

	it('filters by type across all pages', async () => {
		const engagement = await runOperation(emu, {
			parameters: listParameters({ returnAll: true, filters: { audienceType: 'ENGAGEMENT' } }),
		});
		const customerLists = await runOperation(emu, {
			parameters: listParameters({ returnAll: true, filters: { audienceType: 'CUSTOMER_LIST' } }),
		});

		expect(engagement.map((item) => [item.json.name, item.json.type, item.json.size])).toEqual([
			['Big account engagers', 'ENGAGEMENT', 8000],
		]);
		expect(customerLists).toHaveLength(600);
		expect(customerLists.every((item) => item.json.type === 'CUSTOMER_LIST')).toBe(true);
	});

	it('combines the name and type filters', async () => {
		const out = await runOperation(emu, {
			parameters: listParameters({
				returnAll: true,
				filters: { name: 'big account', audienceType: 'VISITOR' },
			}),
		});
		expect(out.map((item) => item.json.name)).toEqual(['Big account visitors']);
	});

	it('returns nothing when nothing matches, after reading every page', async () => {
		const since = emu.log.length;
		const out = await runOperation(emu, {
			parameters: listParameters({ filters: { name: 'no such audience' } }),
		});
		expect(out).toEqual([]);
		expect(requestsSince(emu, since)).toEqual([PAGE, PAGE, PAGE]);
	});

	it('lists once for identical items and pairs every audience to its item', async () => {
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: listParameters({ filters: { name: '={{ $json.name }}' } }),
			items: [
				{ json: { name: 'Segment 100' } },
				{ json: { name: 'engagers' } },
				{ json: { name: 'Segment 100' } },
			],
		});

		expect(out.map((item) => [item.pairedItem, item.json.name])).toEqual([
			[{ item: 0 }, 'Segment 100'],
			[{ item: 1 }, 'Big account engagers'],
			[{ item: 2 }, 'Segment 100'],
		]);
		// Two distinct searches, each reading all three pages (neither reaches the limit).
		expect(requestsSince(emu, since)).toEqual([PAGE, PAGE, PAGE, PAGE, PAGE, PAGE]);
	});

	it('rejects a limit below 1 before calling Pinterest', async () => {
		const since = emu.log.length;
		const error = await operationError(emu, { parameters: listParameters({ limit: 0 }) });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('Limit must be a whole number of at least 1 (it is 0)');
		expect(requestsSince(emu, since)).toEqual([]);
	});

	it('names the ad account Pinterest does not know', async () => {
		const error = await operationError(emu, {
			parameters: listParameters({ adAccount: byId('123456789') }),
		});
		expect(error.message).toBe(
			'Pinterest does not know ad account 123456789 (deleted, or not shared with the connected user). Pick another ad account.',
		);
	});

	it('reports the failing item and lists for the others with continue-on-fail', async () => {
		const out = await runOperation(emu, {
			parameters: listParameters({
				adAccount: byId('={{ $json.account }}'),
				filters: { name: 'engagers' },
			}),
			items: [{ json: { account: '123456789' } }, { json: { account: BIG } }],
			continueOnFail: true,
		});
		expect(out).toEqual([
			{
				json: {
					error:
						'Pinterest does not know ad account 123456789 (deleted, or not shared with the connected user). Pick another ad account.',
				},
				pairedItem: { item: 0 },
			},
			expect.objectContaining({
				json: expect.objectContaining({ name: 'Big account engagers' }),
				pairedItem: { item: 1 },
			}),
		]);
	});

	it('returns the newest first with Order: Newest First, in one page from Pinterest', async () => {
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: listParameters({ limit: 3, options: { order: 'DESCENDING' } }),
		});

		expect(out.map((item) => item.json.name)).toEqual([
			'Big account engagers',
			segment(600),
			segment(599),
		]);
		expect(requestsSince(emu, since)).toEqual([PAGE]);
	});

	it('adds the audiences shared with the ad account after its own, marked shared', async () => {
		const ACME = '549755885175';
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: listParameters({
				adAccount: byId(ACME),
				returnAll: true,
				options: { includeShared: true },
			}),
		});

		const shared = out.filter((item) => item.json.shared === true);
		expect(shared.map((item) => [item.json.name, item.json.type, item.json.adAccountId])).toEqual([
			['Big account visitors', 'VISITOR', BIG],
			[segment(10), 'CUSTOMER_LIST', BIG],
		]);
		expect(out.slice(-2)).toEqual(shared);
		expect(out.slice(0, -2).every((item) => item.json.shared === false)).toBe(true);
		expect(requestsSince(emu, since)).toEqual([
			`GET /v5/ad_accounts/${ACME}/audiences`,
			`GET /v5/ad_accounts/${ACME}/audiences`,
		]);
	});

	it("without the option lists only the ad account's own audiences, and applies filters to shared ones", async () => {
		const ACME = '549755885175';
		const own = await runOperation(emu, {
			parameters: listParameters({ adAccount: byId(ACME), returnAll: true }),
		});
		expect(own.some((item) => item.json.shared === true)).toBe(false);

		const filtered = await runOperation(emu, {
			parameters: listParameters({
				adAccount: byId(ACME),
				returnAll: true,
				filters: { name: 'segment' },
				options: { includeShared: true },
			}),
		});
		expect(filtered.map((item) => [item.json.name, item.json.shared])).toEqual([
			[segment(10), true],
		]);
	});
});
