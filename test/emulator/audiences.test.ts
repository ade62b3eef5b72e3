import type { AxiosInstance } from 'axios';
import type { Audience, CustomerList, Emulator, Paginated } from '../../emulator';
import { expectError, records, setup } from './helpers';

let emu: Emulator;
let api: AxiosInstance;
let ACC: string;
let BIG: string;

beforeAll(async () => {
	({ emu, api } = await setup());
	ACC = emu.demo.adAccountId;
	BIG = emu.demo.bigAdAccountId;
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

async function createList(n: number, name = 'List'): Promise<CustomerList> {
	const res = await api.post(`/ad_accounts/${ACC}/customer_lists`, {
		name,
		records: records(n, name).join(','),
	});
	expect(res.status).toBe(201);
	return res.data as CustomerList;
}

async function createAudience(body: Record<string, unknown>) {
	return api.post(`/ad_accounts/${ACC}/audiences`, body);
}

function audienceByName(name: string): Audience {
	const [a] = emu.findAudiences(ACC, name);
	expect(a).toBeDefined();
	return a;
}

describe('GET /v5/ad_accounts/{id}/audiences', () => {
	it('walks all 602 audiences of the big account in 3 pages of up to 250 without duplicates', async () => {
		const pages: Paginated<Audience>[] = [];
		let bookmark: string | null = null;
		do {
			const params: Record<string, string | number> = { page_size: 250 };
			if (bookmark) params.bookmark = bookmark;
			const res = await api.get(`/ad_accounts/${BIG}/audiences`, { params });
			expect(res.status).toBe(200);
			const page = res.data as Paginated<Audience>;
			pages.push(page);
			bookmark = page.bookmark;
		} while (bookmark && pages.length < 10);

		expect(pages.map((p) => p.items.length)).toEqual([250, 250, 102]);
		expect(pages[2].bookmark).toBeNull();
		const all = pages.flatMap((p) => p.items);
		expect(new Set(all.map((a) => a.id)).size).toBe(602);
		const customerList = all.filter((a) => a.audience_type === 'CUSTOMER_LIST');
		expect(customerList).toHaveLength(600);
		expect(
			all
				.filter((a) => a.audience_type !== 'CUSTOMER_LIST')
				.map((a) => a.audience_type)
				.sort(),
		).toEqual(['ENGAGEMENT', 'VISITOR']);
		expect(customerList[0].name).toBe('Segment 001');
		expect(customerList[599].name).toBe('Segment 600');
		// every audience points at its own list in the same account
		expect(new Set(customerList.map((a) => a.rule.customer_list_id)).size).toBe(600);
		expect(all.every((a) => a.ad_account_id === BIG && a.type === 'audience')).toBe(true);
	});

	it('defaults to 25 per page', async () => {
		const page = (await api.get(`/ad_accounts/${BIG}/audiences`)).data as Paginated<Audience>;
		expect(page.items).toHaveLength(25);
		expect(page.bookmark).toEqual(expect.any(String));
	});

	it.each(['0', '251', 'abc'])('rejects page_size=%s with 400', async (size) => {
		expectError(
			await api.get(`/ad_accounts/${BIG}/audiences`, { params: { page_size: size } }),
			400,
			1,
		);
	});

	it('orders by id in either direction', async () => {
		const asc = (
			await api.get(`/ad_accounts/${BIG}/audiences`, {
				params: { page_size: 5, order: 'ASCENDING' },
			})
		).data as Paginated<Audience>;
		const desc = (
			await api.get(`/ad_accounts/${BIG}/audiences`, {
				params: { page_size: 5, order: 'DESCENDING' },
			})
		).data as Paginated<Audience>;
		expect(asc.items[0].name).toBe('Big account visitors');
		expect(desc.items[0].name).toBe('Big account engagers');
		expect(desc.items[1].name).toBe('Segment 600');
		const desc2 = (
			await api.get(`/ad_accounts/${BIG}/audiences`, {
				params: { page_size: 5, bookmark: desc.bookmark },
			})
		).data as Paginated<Audience>;
		expect(desc2.items[0].name).toBe('Segment 596');
		expectError(
			await api.get(`/ad_accounts/${BIG}/audiences`, { params: { order: 'ascending' } }),
			400,
			1,
		);
	});

	it('lists the audiences shared with the account with ownership_type=RECEIVED, and validates it', async () => {
		const received = (
			await api.get(`/ad_accounts/${ACC}/audiences`, { params: { ownership_type: 'RECEIVED' } })
		).data as Paginated<Audience>;
		expect(received.bookmark).toBeNull();
		expect(received.items.map((a) => [a.name, a.audience_type, a.ad_account_id])).toEqual([
			['Big account visitors', 'VISITOR', BIG],
			['Segment 010', 'CUSTOMER_LIST', BIG],
		]);
		const owned = (
			await api.get(`/ad_accounts/${ACC}/audiences`, { params: { ownership_type: 'OWNED' } })
		).data as Paginated<Audience>;
		expect(owned.items.length).toBeGreaterThan(0);
		expect(owned.items.every((a) => a.ad_account_id === ACC)).toBe(true);
		// the owner's own list is unchanged by the sharing
		const bigOwned = (await api.get(`/ad_accounts/${BIG}/audiences`, { params: { page_size: 3 } }))
			.data as Paginated<Audience>;
		expect(bigOwned.items[0].name).toBe('Big account visitors');
		expectError(
			await api.get(`/ad_accounts/${ACC}/audiences`, { params: { ownership_type: 'MINE' } }),
			400,
			400,
			'Invalid ad account audience parameters.',
		);
	});

	it('orders received audiences in either direction and pages them with a bookmark', async () => {
		const descending = (
			await api.get(`/ad_accounts/${ACC}/audiences`, {
				params: { ownership_type: 'RECEIVED', order: 'DESCENDING', page_size: 1 },
			})
		).data as Paginated<Audience>;
		expect(descending.items.map((a) => a.name)).toEqual(['Segment 010']);
		expect(descending.bookmark).toEqual(expect.any(String));
		const next = (
			await api.get(`/ad_accounts/${ACC}/audiences`, {
				params: { ownership_type: 'RECEIVED', page_size: 1, bookmark: descending.bookmark },
			})
		).data as Paginated<Audience>;
		expect(next).toEqual({
			items: [expect.objectContaining({ name: 'Big account visitors' })],
			bookmark: null,
		});
	});

	it('shares through shareAudience(); an archived audience is no longer received; the recipient cannot read or change it by ID', async () => {
		const buyers = emu.findAudiences(emu.demo.secondUserAdAccountId, 'Second shop buyers')[0];
		emu.shareAudience(emu.demo.secondUserAdAccountId, buyers.id, ACC);
		const receivedNames = async () =>
			(
				(await api.get(`/ad_accounts/${ACC}/audiences`, { params: { ownership_type: 'RECEIVED' } }))
					.data as Paginated<Audience>
			).items.map((a) => a.name);
		expect(await receivedNames()).toEqual([
			'Big account visitors',
			'Segment 010',
			'Second shop buyers',
		]);
		const segment = emu.findAudiences(BIG, 'Segment 010')[0];
		expectError(await api.get(`/ad_accounts/${ACC}/audiences/${segment.id}`), 404, 2);
		expectError(
			await api.patch(`/ad_accounts/${ACC}/audiences/${segment.id}`, { operation_type: 'REMOVE' }),
			404,
			2,
		);
		emu.deleteAudience(BIG, segment.id);
		expect(await receivedNames()).toEqual(['Big account visitors', 'Second shop buyers']);
		expect(() => emu.shareAudience(ACC, segment.id, BIG)).toThrow();
		expect(() =>
			emu.shareAudience(BIG, emu.findAudiences(BIG, 'Segment 001')[0].id, '1'),
		).toThrow();
	});

	it('does not skip or repeat items when audiences are created between pages', async () => {
		const p1 = (await api.get(`/ad_accounts/${BIG}/audiences`, { params: { page_size: 250 } }))
			.data as Paginated<Audience>;
		const list = (
			await api.post(`/ad_accounts/${BIG}/customer_lists`, { name: 'late', records: 'a' })
		).data as CustomerList;
		await api.post(`/ad_accounts/${BIG}/audiences`, {
			name: 'late',
			audience_type: 'CUSTOMER_LIST',
			rule: { customer_list_id: list.id },
		});
		const ids = new Set(p1.items.map((a) => a.id));
		let bookmark = p1.bookmark;
		while (bookmark) {
			const page = (
				await api.get(`/ad_accounts/${BIG}/audiences`, { params: { page_size: 250, bookmark } })
			).data as Paginated<Audience>;
			for (const a of page.items) {
				expect(ids.has(a.id)).toBe(false);
				ids.add(a.id);
			}
			bookmark = page.bookmark;
		}
		expect(ids.size).toBe(603);
	});
});

describe('POST /v5/ad_accounts/{id}/audiences: CUSTOMER_LIST', () => {
	it('creates an audience on a list of the same account and answers 201 with an Audience', async () => {
		const list = await createList(150);
		const res = await createAudience({
			ad_account_id: ACC,
			name: 'n8n – VIP',
			audience_type: 'CUSTOMER_LIST',
			description: 'Synced from n8n',
			rule: { customer_list_id: list.id },
		});
		expect(res.status).toBe(201);
		const aud = res.data as Audience;
		expect(aud.id).toMatch(/^\d{1,18}$/);
		expect(aud).toMatchObject({
			ad_account_id: ACC,
			name: 'n8n – VIP',
			audience_type: 'CUSTOMER_LIST',
			description: 'Synced from n8n',
			rule: { customer_list_id: list.id },
			size: null,
			status: 'INITIALIZING',
			type: 'audience',
		});
		expect(typeof aud.created_timestamp).toBe('number');
		// processed on the next read: 150 >= 100 members
		const got = (await api.get(`/ad_accounts/${ACC}/audiences/${aud.id}`)).data as Audience;
		expect(got).toMatchObject({ status: 'READY', size: 150 });
	});

	it('reports TOO_SMALL (size hidden) below the minimum, then READY once the list grows', async () => {
		const list = await createList(99);
		const aud = (
			await createAudience({
				name: 'small',
				audience_type: 'CUSTOMER_LIST',
				rule: { customer_list_id: list.id },
			})
		).data as Audience;
		expect((await api.get(`/ad_accounts/${ACC}/audiences/${aud.id}`)).data).toMatchObject({
			status: 'TOO_SMALL',
			size: null,
		});
		await api.patch(`/ad_accounts/${ACC}/customer_lists/${list.id}`, {
			operation_type: 'ADD',
			records: 'one-more@example.com',
		});
		expect((await api.get(`/ad_accounts/${ACC}/audiences/${aud.id}`)).data).toMatchObject({
			status: 'READY',
			size: 100,
		});
	});

	it('rejects a missing or foreign customer_list_id', async () => {
		expectError(
			await createAudience({ name: 'x', audience_type: 'CUSTOMER_LIST', rule: {} }),
			400,
			400,
		);
		expectError(
			await createAudience({
				name: 'x',
				audience_type: 'CUSTOMER_LIST',
				rule: { customer_list_id: '999999999999' },
			}),
			400,
			400,
		);
		// a list of the big account is not visible from ACME Tools
		const foreign = emu.findCustomerLists(BIG, 'Segment 001')[0];
		expectError(
			await createAudience({
				name: 'x',
				audience_type: 'CUSTOMER_LIST',
				rule: { customer_list_id: foreign.id },
			}),
			400,
			400,
		);
	});

	it('validates name, audience_type (case-sensitive), rule and a body ad_account_id', async () => {
		const list = await createList(1);
		const rule = { customer_list_id: list.id };
		expectError(await createAudience({ audience_type: 'CUSTOMER_LIST', rule }), 400, 400);
		expectError(
			await createAudience({ name: 'x', audience_type: 'customer_list', rule }),
			400,
			400,
		);
		expectError(await createAudience({ name: 'x', rule }), 400, 400);
		expectError(await createAudience({ name: 'x', audience_type: 'CUSTOMER_LIST' }), 400, 400);
		expectError(
			await createAudience({ name: 'x', audience_type: 'CUSTOMER_LIST', rule, ad_account_id: BIG }),
			400,
			400,
		);
		expect(emu.findAudiences(ACC, 'x')).toHaveLength(0);
	});
});

describe('POST /v5/ad_accounts/{id}/audiences: ACTALIKE', () => {
	const seedId = () => audienceByName('Newsletter subscribers').id;

	it('accepts seed_id as array or scalar and percentage as integer or numeric string', async () => {
		const a = await createAudience({
			name: 'look 1',
			audience_type: 'ACTALIKE',
			rule: { seed_id: [seedId()], country: 'US', percentage: 5 },
		});
		expect(a.status).toBe(201);
		expect(a.data).toMatchObject({
			audience_type: 'ACTALIKE',
			status: 'INITIALIZING',
			rule: { seed_id: [seedId()], country: 'US' },
		});
		const b = await createAudience({
			name: 'look 2',
			audience_type: 'ACTALIKE',
			rule: { seed_id: seedId(), country: 'GB', percentage: '10' },
		});
		expect(b.status).toBe(201);
		expect((b.data as Audience).rule.seed_id).toEqual([seedId()]);
		const got = (await api.get(`/ad_accounts/${ACC}/audiences/${(b.data as Audience).id}`))
			.data as Audience;
		expect(got.status).toBe('READY');
	});

	it.each([
		['country outside US/CA/GB', { country: 'FR', percentage: 5 }],
		['missing country', { percentage: 5 }],
		['percentage 0', { country: 'US', percentage: 0 }],
		['percentage 11', { country: 'US', percentage: 11 }],
		['fractional percentage', { country: 'US', percentage: 2.5 }],
		['non-numeric percentage', { country: 'CA', percentage: 'ten' }],
	])('rejects %s with 400', async (_label, partial) => {
		expectError(
			await createAudience({
				name: 'bad',
				audience_type: 'ACTALIKE',
				rule: { seed_id: [seedId()], ...partial },
			}),
			400,
			400,
		);
	});

	it('rejects a missing or unknown seed', async () => {
		expectError(
			await createAudience({
				name: 'bad',
				audience_type: 'ACTALIKE',
				rule: { country: 'US', percentage: 1 },
			}),
			400,
			400,
		);
		expectError(
			await createAudience({
				name: 'bad',
				audience_type: 'ACTALIKE',
				rule: { seed_id: ['123456789012'], country: 'US', percentage: 1 },
			}),
			400,
			400,
		);
	});

	it('rejects a seed audience below the minimum size with "Seed audience is too small"', async () => {
		const small = audienceByName('Trial users'); // 40 members
		const res = await createAudience({
			name: 'bad',
			audience_type: 'ACTALIKE',
			rule: { seed_id: [small.id], country: 'US', percentage: 3 },
		});
		expectError(res, 400, 400, /^Seed audience is too small/);
	});

	it('rejects a removed seed audience', async () => {
		const removedId = seedId();
		emu.deleteAudience(ACC, removedId);
		const res = await createAudience({
			name: 'bad',
			audience_type: 'ACTALIKE',
			rule: {
				seed_id: [audienceByName('Site visitors – 30 days').id, removedId],
				country: 'US',
				percentage: 3,
			},
		});
		expectError(res, 400, 400);
	});
});

describe('GET/PATCH /v5/ad_accounts/{id}/audiences/{aid}', () => {
	it('returns an audience, 404 for unknown, 400 for malformed ids', async () => {
		const a = audienceByName('Newsletter subscribers');
		expect((await api.get(`/ad_accounts/${ACC}/audiences/${a.id}`)).data).toEqual(a);
		expectError(
			await api.get(`/ad_accounts/${ACC}/audiences/123456789012`),
			404,
			2,
			'Audience not found.',
		);
		expectError(
			await api.get(`/ad_accounts/${ACC}/audiences/abc`),
			400,
			400,
			'Invalid audience id',
		);
		// an audience of another account is not found through this one
		const big = emu.findAudiences(BIG, 'Segment 001')[0];
		expectError(await api.get(`/ad_accounts/${ACC}/audiences/${big.id}`), 404, 2);
	});

	it('updates name and description', async () => {
		const a = audienceByName('Trial users');
		const res = await api.patch(`/ad_accounts/${ACC}/audiences/${a.id}`, {
			name: 'Trialists',
			description: 'renamed',
		});
		expect(res.status).toBe(200);
		expect(res.data).toMatchObject({
			id: a.id,
			name: 'Trialists',
			description: 'renamed',
			audience_type: 'CUSTOMER_LIST',
		});
		expectError(
			await api.patch(`/ad_accounts/${ACC}/audiences/${a.id}`, { operation_type: 'DELETE' }),
			400,
			400,
		);
	});

	it('REMOVE deletes the audience: later GET/PATCH answer 404 and it leaves the list, its customer list keeps working', async () => {
		const a = audienceByName('Newsletter subscribers');
		const removed = await api.patch(`/ad_accounts/${ACC}/audiences/${a.id}`, {
			operation_type: 'REMOVE',
		});
		expect(removed.status).toBe(200);
		expect(removed.data).toMatchObject({ id: a.id });
		expectError(
			await api.get(`/ad_accounts/${ACC}/audiences/${a.id}`),
			404,
			2,
			'Audience not found.',
		);
		expectError(
			await api.patch(`/ad_accounts/${ACC}/audiences/${a.id}`, { name: 'again' }),
			404,
			2,
			'Audience not found.',
		);
		expectError(
			await api.patch(`/ad_accounts/${ACC}/audiences/${a.id}`, { operation_type: 'REMOVE' }),
			404,
			2,
		);
		const list = (await api.get(`/ad_accounts/${ACC}/audiences`, { params: { page_size: 250 } }))
			.data as Paginated<Audience>;
		expect(list.items.map((x) => x.id)).not.toContain(a.id);

		const listId = a.rule.customer_list_id as string;
		const patched = await api.patch(`/ad_accounts/${ACC}/customer_lists/${listId}`, {
			operation_type: 'ADD',
			records: 'z@example.com',
		});
		expect(patched.status).toBe(200);
	});

	it('updates an ACTALIKE rule (percentage) as Pinterest checks it on create, and keeps the seed and country', async () => {
		const actalike = audienceByName('Newsletter lookalike – 5% US');
		const res = await api.patch(`/ad_accounts/${ACC}/audiences/${actalike.id}`, {
			operation_type: 'UPDATE',
			rule: { ...actalike.rule, percentage: 8 },
		});
		expect(res.status).toBe(200);
		expect((res.data as Audience).rule).toEqual({ ...actalike.rule, percentage: 8 });
		expectError(
			await api.patch(`/ad_accounts/${ACC}/audiences/${actalike.id}`, {
				rule: { percentage: 11 },
			}),
			400,
			400,
			/percentage/,
		);
		expect(audienceByName('Newsletter lookalike – 5% US').rule.percentage).toBe(8);
	});

	it('answers an Audience with the name and description sent on create, and null without one', async () => {
		const list = await createList(3, 'Described');
		const described = await createAudience({
			name: 'Described',
			audience_type: 'CUSTOMER_LIST',
			description: 'From the CRM',
			rule: { customer_list_id: list.id },
		});
		expect(described.data).toMatchObject({ name: 'Described', description: 'From the CRM' });
		const other = await createList(3, 'Plain');
		const plain = await createAudience({
			name: 'Plain',
			audience_type: 'CUSTOMER_LIST',
			rule: { customer_list_id: other.id },
		});
		expect((plain.data as Audience).description).toBeNull();
		expectError(
			await createAudience({
				name: 'Bad',
				audience_type: 'CUSTOMER_LIST',
				description: 5,
				rule: { customer_list_id: other.id },
			}),
			400,
			400,
		);
	});

	it('deleteAudience() has the same effect as a REMOVE', async () => {
		const a = audienceByName('Pin engagers – 90 days');
		emu.deleteAudience(ACC, a.id);
		expectError(
			await api.get(`/ad_accounts/${ACC}/audiences/${a.id}`),
			404,
			2,
			'Audience not found.',
		);
		expect(() => emu.deleteAudience(ACC, a.id)).toThrow();
	});
});
