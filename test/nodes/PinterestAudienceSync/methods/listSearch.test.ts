/**
 * List searches against the running emulator over real HTTP, through the node's transport and a
 * stand-in for n8n's load-options context (test/helpers/n8nContext.ts).
 */
import type { ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { startEmulator } from '../../../../emulator';
import type { Emulator } from '../../../../emulator/types';
import {
	searchAdAccounts,
	searchAudiences,
	searchCustomerListAudiences,
} from '../../../../nodes/PinterestAudienceSync/methods/listSearch';
import { byId, createLoadOptionsContext } from '../../../helpers/n8nContext';

type Search = (
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
) => Promise<INodeListSearchResult>;

let emu: Emulator;

beforeAll(async () => {
	emu = await startEmulator();
});

afterAll(async () => {
	await emu?.close();
});

function context(parameters: Record<string, unknown> = {}): ILoadOptionsFunctions {
	return createLoadOptionsContext({
		credential: {
			environment: 'custom',
			customBaseUrl: emu.url,
			clientId: emu.demo.clientId,
			clientSecret: emu.demo.clientSecret,
			oauthTokenData: {
				access_token: emu.demo.accessToken,
				refresh_token: emu.demo.refreshToken,
			},
		},
		parameters,
	});
}

function bigAccount(): ILoadOptionsFunctions {
	return context({ adAccount: byId(emu.demo.bigAdAccountId) });
}

/** GET requests the emulator saw for a path since `since` (a log length). */
function requestsTo(path: string, since: number): number {
	return emu.log.slice(since).filter((entry) => entry.method === 'GET' && entry.path === path)
		.length;
}

/** Follows paginationToken like the editor does when the user scrolls. */
async function walk(
	search: Search,
	ctx: ILoadOptionsFunctions,
	filter?: string,
): Promise<{ values: string[]; names: string[]; calls: number }> {
	const values: string[] = [];
	const names: string[] = [];
	let token: string | undefined;
	let calls = 0;
	do {
		const page = await search.call(ctx, filter, token);
		calls++;
		expect(page.results.length).toBeLessThanOrEqual(250);
		for (const result of page.results) {
			values.push(String(result.value));
			names.push(result.name);
		}
		token = page.paginationToken as string | undefined;
		expect(calls).toBeLessThan(20);
	} while (token);
	return { values, names, calls };
}

describe('searchAdAccounts', () => {
	it("lists the connected user's ad accounts with their names", async () => {
		const result = await searchAdAccounts.call(context());
		expect(result.paginationToken).toBeUndefined();
		expect(result.results).toEqual(
			expect.arrayContaining([
				{ name: 'ACME Tools', value: emu.demo.adAccountId },
				{ name: 'ACME Big Account', value: emu.demo.bigAdAccountId },
			]),
		);
		expect(result.results.map((r) => r.value)).not.toContain(emu.demo.secondUserAdAccountId);
	});

	it('filters by name, case-insensitively, and by ID', async () => {
		const byName = await searchAdAccounts.call(context(), 'big ACCOUNT');
		expect(byName.results).toEqual([{ name: 'ACME Big Account', value: emu.demo.bigAdAccountId }]);
		const byIdPrefix = await searchAdAccounts.call(context(), emu.demo.bigAdAccountId);
		expect(byIdPrefix.results.map((r) => r.value)).toEqual([emu.demo.bigAdAccountId]);
	});
});

describe('searchCustomerListAudiences on an account with 600 customer-list audiences', () => {
	const path = (): string => `/v5/ad_accounts/${emu.demo.bigAdAccountId}/audiences`;

	it('answers the first call with one Pinterest page and a pagination token', async () => {
		const since = emu.log.length;
		const first = await searchCustomerListAudiences.call(bigAccount());
		expect(requestsTo(path(), since)).toBe(1);
		expect(first.results.length).toBeGreaterThan(0);
		expect(first.results.length).toBeLessThanOrEqual(250);
		expect(typeof first.paginationToken).toBe('string');
		expect(first.paginationToken).not.toBe('');
	});

	it('reaches all 600 customer-list audiences, without duplicates, by walking the pages', async () => {
		const since = emu.log.length;
		const { values, names } = await walk(searchCustomerListAudiences, bigAccount());
		expect(values).toHaveLength(600);
		expect(new Set(values).size).toBe(600);
		const expected = emu
			.findAudiences(emu.demo.bigAdAccountId)
			.filter((a) => a.audience_type === 'CUSTOMER_LIST')
			.map((a) => a.id);
		expect(new Set(values)).toEqual(new Set(expected));
		expect(names).toContain('Segment 001');
		expect(names).toContain('Segment 600');
		// 602 audiences in pages of 250: three Pinterest requests in all.
		expect(requestsTo(path(), since)).toBe(3);
	});

	it('leaves out audiences that are not customer lists', async () => {
		const { names } = await walk(searchCustomerListAudiences, bigAccount());
		expect(names).not.toContain('Big account visitors');
		expect(names).not.toContain('Big account engagers');

		const demo = await walk(
			searchCustomerListAudiences,
			context({ adAccount: byId(emu.demo.adAccountId) }),
		);
		const demoTypes = emu
			.findAudiences(emu.demo.adAccountId)
			.filter((a) => demo.values.includes(a.id))
			.map((a) => a.audience_type);
		expect(demo.values.length).toBeGreaterThan(0);
		expect(new Set(demoTypes)).toEqual(new Set(['CUSTOMER_LIST']));
		expect(demo.names).not.toContain('Site visitors – 30 days');
		expect(demo.names).not.toContain('Newsletter lookalike – 5% US');
	});

	it('finds "Segment 599" in one call, fetching only the pages it needs', async () => {
		const since = emu.log.length;
		const result = await searchCustomerListAudiences.call(bigAccount(), 'segment 599');
		expect(result.results.map((r) => r.name)).toEqual(['Segment 599']);
		const audience = emu.findAudiences(emu.demo.bigAdAccountId, 'Segment 599')[0];
		expect(result.results[0].value).toBe(audience.id);
		expect(requestsTo(path(), since)).toBeLessThanOrEqual(3);
	});

	it('returns the next bookmark with filtered results so the editor can load more', async () => {
		const first = await searchCustomerListAudiences.call(bigAccount(), 'Segment 0');
		// Segment 001 … 099 sit on the first page.
		expect(first.results).toHaveLength(99);
		expect(first.results.every((r) => r.name.startsWith('Segment 0'))).toBe(true);
		expect(typeof first.paginationToken).toBe('string');
		const rest = await walk(searchCustomerListAudiences, bigAccount(), 'Segment 0');
		expect(rest.values).toHaveLength(99);
	});
});

describe('searchAudiences', () => {
	it('lists every audience of the account, whatever its type', async () => {
		const { values, names } = await walk(searchAudiences, bigAccount());
		expect(values).toHaveLength(602);
		expect(new Set(values).size).toBe(602);
		expect(names).toContain('Big account visitors');
		expect(names).toContain('Big account engagers');
	});

	it('explains that an ad account has to be chosen first', async () => {
		await expect(searchAudiences.call(context({}))).rejects.toThrow('Select an ad account first');
		await expect(
			searchAudiences.call(context({ adAccount: { __rl: true, mode: 'list', value: '' } })),
		).rejects.toThrow('Select an ad account first');
	});

	it('refuses an ad account given as an expression or a malformed ID', async () => {
		await expect(
			searchAudiences.call(context({ adAccount: byId('={{ $json.adAccountId }}') })),
		).rejects.toThrow(/expression/);
		await expect(searchAudiences.call(context({ adAccount: byId('acme') }))).rejects.toThrow(
			/not a Pinterest ad account ID/,
		);
	});

	it('says what to do when the ad account does not exist or is not shared', async () => {
		await expect(
			searchAudiences.call(context({ adAccount: byId(emu.demo.secondUserAdAccountId) })),
		).rejects.toThrow(/ad account/);
	});
});

describe('audiences shared with the ad account', () => {
	// Pinterest offers no way to add users to another ad account's customer list, so the audience lists
	// of Sync Users and the audience operations show the account's own audiences only.
	it('are not offered by the searchable audience lists', async () => {
		const acme = context({ adAccount: byId(emu.demo.adAccountId) });
		const [segment] = emu.findAudiences(emu.demo.bigAdAccountId, 'Segment 010');

		const customerLists = await walk(searchCustomerListAudiences, acme);
		const all = await walk(searchAudiences, acme);

		expect(customerLists.values).not.toContain(segment.id);
		expect(all.values).not.toContain(segment.id);
		expect(all.names).toContain('Newsletter subscribers');
	});
});
