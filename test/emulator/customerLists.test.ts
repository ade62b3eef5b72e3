import type { AxiosInstance } from 'axios';
import type { CustomerList, Emulator, Paginated } from '../../emulator';
import { expectError, hexRecords, records, setup, sleep } from './helpers';

let emu: Emulator;
let api: AxiosInstance;
let ACC: string;

beforeAll(async () => {
	({ emu, api } = await setup());
	ACC = emu.demo.adAccountId;
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const lists = () => `/ad_accounts/${ACC}/customer_lists`;

async function create(body: Record<string, unknown>): Promise<CustomerList> {
	const res = await api.post(lists(), body);
	expect(res.status).toBe(201);
	return res.data as CustomerList;
}

async function patch(id: string, operation_type: string, recs: string) {
	return api.patch(`${lists()}/${id}`, { operation_type, records: recs });
}

describe('POST customer_lists', () => {
	it('creates a list from a comma-separated string and answers with a CustomerList', async () => {
		const list = await create({
			name: 'VIP',
			records: 'a@example.com,b@example.com,c@example.com',
			list_type: 'EMAIL',
		});
		expect(list.id).toMatch(/^\d{1,18}$/);
		expect(list).toMatchObject({
			ad_account_id: ACC,
			name: 'VIP',
			num_batches: 1,
			num_uploaded_user_records: 3,
			num_removed_user_records: 0,
			status: 'PROCESSING',
			type: 'customerlist',
			exceptions: {},
		});
		expect(typeof list.created_time).toBe('number');
		expect([...emu.listRecords(ACC, list.id)].sort()).toEqual([
			'a@example.com',
			'b@example.com',
			'c@example.com',
		]);
		expect(emu.log[emu.log.length - 1]).toMatchObject({
			category: 'ads_write',
			recordCount: 3,
			status: 201,
		});
	});

	it('ignores empty items: a trailing comma and a comma-only string', async () => {
		const trailing = await create({
			name: 'trailing',
			records: 'email2@pinterest.com,email6@pinterest.com,',
		});
		expect(trailing.num_uploaded_user_records).toBe(2);
		expect(emu.listRecords(ACC, trailing.id).size).toBe(2);

		const commas = await create({ name: 'commas', records: ',,,' });
		expect(commas).toMatchObject({ num_uploaded_user_records: 0, num_batches: 1 });
		expect(emu.listRecords(ACC, commas.id).size).toBe(0);
		expect((await api.get(`${lists()}/${commas.id}`)).data).toMatchObject({ status: 'TOO_SMALL' });
	});

	it('counts duplicates in num_uploaded_user_records but stores members once', async () => {
		const list = await create({ name: 'dups', records: 'x,x,y' });
		expect(list.num_uploaded_user_records).toBe(3);
		expect(emu.listRecords(ACC, list.id).size).toBe(2);
	});

	it.each(['EMAIL', 'IDFA', 'MAID', 'LR_ID', 'DLX_ID', 'HASHED_PINNER_ID'])(
		'accepts list_type %s',
		async (t) => {
			await create({ name: t, records: 'abc', list_type: t });
		},
	);

	it('defaults list_type to EMAIL and rejects unknown types', async () => {
		await create({ name: 'default', records: 'abc' });
		expectError(
			await api.post(lists(), { name: 'bad', records: 'abc', list_type: 'PHONE' }),
			400,
			1,
		);
		expectError(
			await api.post(lists(), { name: 'bad', records: 'abc', list_type: 'email' }),
			400,
			1,
		);
	});

	it('validates name and records', async () => {
		expectError(await api.post(lists(), { records: 'a' }), 400, 1);
		expectError(await api.post(lists(), { name: 'x', records: ['a', 'b'] }), 400, 1);
		expect(emu.findCustomerLists(ACC, 'x')).toHaveLength(0);
	});

	it('accepts 1,900 records and rejects 1,901 with 400 code 1', async () => {
		const ok = await api.post(lists(), { name: 'max', records: hexRecords(1900).join(',') });
		expect(ok.status).toBe(201);
		const tooMany = await api.post(lists(), { name: 'over', records: hexRecords(1901).join(',') });
		expectError(tooMany, 400, 1, /Too many records/);
		expect(emu.findCustomerLists(ACC, 'over')).toHaveLength(0);
		expect(emu.largestRequestRecords()).toBe(1901);
	});
});

describe('PATCH customer_lists/{id}', () => {
	it('ADD and REMOVE update members and the counters', async () => {
		const list = await create({ name: 'ops', records: 'a,b' });
		const added = await patch(list.id, 'ADD', 'b,c,d,');
		expect(added.status).toBe(200);
		expect(added.data).toMatchObject({
			id: list.id,
			num_batches: 2,
			num_uploaded_user_records: 5,
			num_removed_user_records: 0,
			status: 'PROCESSING',
		});
		expect([...emu.listRecords(ACC, list.id)].sort()).toEqual(['a', 'b', 'c', 'd']);

		const removed = await patch(list.id, 'REMOVE', 'a,zz');
		expect(removed.data).toMatchObject({
			num_batches: 3,
			num_uploaded_user_records: 5,
			num_removed_user_records: 2,
		});
		expect([...emu.listRecords(ACC, list.id)].sort()).toEqual(['b', 'c', 'd']);
	});

	it('trims whitespace around records', async () => {
		const list = await create({ name: 'ws', records: ' a , b' });
		expect([...emu.listRecords(ACC, list.id)].sort()).toEqual(['a', 'b']);
	});

	it('accepts 1,900 records and rejects 1,901 without applying them', async () => {
		const list = await create({ name: 'limit', records: 'seed' });
		expect((await patch(list.id, 'ADD', hexRecords(1900, 1).join(','))).status).toBe(200);
		const res = await patch(list.id, 'ADD', hexRecords(1901, 2).join(','));
		expectError(res, 400, 1, /Too many records/);
		expect(emu.listRecords(ACC, list.id).size).toBe(1901);
		expect(emu.log[emu.log.length - 1]).toMatchObject({ status: 400, recordCount: 1901 });
	});

	it('honours a custom maxRecordsPerRequest', async () => {
		const other = await setup({ maxRecordsPerRequest: 3 });
		try {
			const url = `/ad_accounts/${other.emu.demo.adAccountId}/customer_lists`;
			expect((await other.api.post(url, { name: 'a', records: 'a,b,c' })).status).toBe(201);
			expectError(await other.api.post(url, { name: 'b', records: 'a,b,c,d' }), 400, 1);
		} finally {
			await other.emu.close();
		}
	});

	it('validates operation_type and records', async () => {
		const list = await create({ name: 'v', records: 'a' });
		expectError(await patch(list.id, 'APPEND', 'b'), 400, 1);
		expectError(await api.patch(`${lists()}/${list.id}`, { operation_type: 'ADD' }), 400, 1);
		expect(emu.findCustomerLists(ACC, 'v')[0].num_batches).toBe(1);
	});

	it('answers 404 for an unknown list and 400 for a malformed id', async () => {
		expectError(await patch('123456789012', 'ADD', 'a'), 404, 2);
		expectError(await patch('12x', 'ADD', 'a'), 400, 400, 'Invalid customer list id');
		// a list of another account is not reachable through this one
		const other = emu.findCustomerLists(emu.demo.bigAdAccountId, 'Segment 001')[0];
		expectError(await patch(other.id, 'ADD', 'a'), 404, 2);
	});
});

describe('status transitions', () => {
	it('PROCESSING after a write, READY or TOO_SMALL on the next read (default processingDelayMs 0)', async () => {
		const list = await create({ name: 'status', records: records(99).join(',') });
		expect(list.status).toBe('PROCESSING');
		expect((await api.get(`${lists()}/${list.id}`)).data).toMatchObject({ status: 'TOO_SMALL' });
		const res = await patch(list.id, 'ADD', 'one@example.com');
		expect(res.data).toMatchObject({ status: 'PROCESSING' });
		expect((await api.get(`${lists()}/${list.id}`)).data).toMatchObject({ status: 'READY' });
		await patch(list.id, 'REMOVE', 'one@example.com');
		expect((await api.get(`${lists()}/${list.id}`)).data).toMatchObject({ status: 'TOO_SMALL' });
	});

	it('stays PROCESSING for processingDelayMs', async () => {
		const other = await setup({ processingDelayMs: 300, audienceMinimumSize: 2 });
		try {
			const url = `/ad_accounts/${other.emu.demo.adAccountId}/customer_lists`;
			const list = (await other.api.post(url, { name: 'slow', records: 'a,b' }))
				.data as CustomerList;
			const aud = (
				await other.api.post(`/ad_accounts/${other.emu.demo.adAccountId}/audiences`, {
					name: 'slow',
					audience_type: 'CUSTOMER_LIST',
					rule: { customer_list_id: list.id },
				})
			).data as { id: string };
			expect((await other.api.get(`${url}/${list.id}`)).data).toMatchObject({
				status: 'PROCESSING',
			});
			expect(
				(await other.api.get(`/ad_accounts/${other.emu.demo.adAccountId}/audiences/${aud.id}`))
					.data,
			).toMatchObject({
				status: 'INITIALIZING',
				size: null,
			});
			await sleep(400);
			expect((await other.api.get(`${url}/${list.id}`)).data).toMatchObject({ status: 'READY' });
			expect(
				(await other.api.get(`/ad_accounts/${other.emu.demo.adAccountId}/audiences/${aud.id}`))
					.data,
			).toMatchObject({
				status: 'READY',
				size: 2,
			});
		} finally {
			await other.emu.close();
		}
	});
});

describe('GET customer_lists', () => {
	it('lists the account’s lists with pagination and returns single lists', async () => {
		const page = (await api.get(lists(), { params: { page_size: 2 } }))
			.data as Paginated<CustomerList>;
		expect(page.items.map((l) => l.name)).toEqual(['Newsletter subscribers', 'Trial users']);
		const rest = (await api.get(lists(), { params: { page_size: 2, bookmark: page.bookmark } }))
			.data as Paginated<CustomerList>;
		expect(rest.items.map((l) => l.name)).toEqual(['Imported leads']);
		expect(rest.bookmark).toBeNull();

		const one = await api.get(`${lists()}/${page.items[0].id}`);
		expect(one.data).toMatchObject({
			name: 'Newsletter subscribers',
			status: 'READY',
			num_uploaded_user_records: 150,
		});
		expectError(await api.get(lists(), { params: { page_size: 251 } }), 400, 1);
		expectError(await api.get(`${lists()}/123456789012`), 404, 2);
	});

	it('walks all 600 lists of the big account', async () => {
		const ids = new Set<string>();
		let bookmark: string | null = null;
		let pages = 0;
		do {
			const params: Record<string, string | number> = { page_size: 250 };
			if (bookmark) params.bookmark = bookmark;
			const page = (
				await api.get(`/ad_accounts/${emu.demo.bigAdAccountId}/customer_lists`, { params })
			).data as Paginated<CustomerList>;
			page.items.forEach((l) => ids.add(l.id));
			bookmark = page.bookmark;
			pages++;
		} while (bookmark && pages < 10);
		expect(pages).toBe(3);
		expect(ids.size).toBe(600);
	});
});

describe('exceptions ("Customer list errors")', () => {
	it('answers {} until errors are set, then the object on GET, in the list and after a PATCH', async () => {
		const list = await create({ name: 'With errors', records: 'a@example.com' });
		expect(list.exceptions).toEqual({});
		const errors = { code: 2, message: 'Advertiser not found.' };
		emu.setCustomerListExceptions(ACC, list.id, errors);

		expect((await api.get(`${lists()}/${list.id}`)).data).toMatchObject({ exceptions: errors });
		const all = (await api.get(lists())).data as Paginated<CustomerList>;
		expect(all.items.find((l) => l.id === list.id)?.exceptions).toEqual(errors);
		expect((await patch(list.id, 'ADD', 'b@example.com')).data).toMatchObject({
			exceptions: errors,
		});

		emu.setCustomerListExceptions(ACC, list.id, {});
		expect((await api.get(`${lists()}/${list.id}`)).data).toMatchObject({ exceptions: {} });
		expect(() => emu.setCustomerListExceptions(ACC, '123456789012', errors)).toThrow();
	});
});
