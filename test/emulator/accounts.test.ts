import type { AxiosInstance } from 'axios';
import type { AdAccount, Emulator, Paginated, UserAccount } from '../../emulator';
import { client, expectError, setup } from './helpers';

let emu: Emulator;
let api: AxiosInstance;
let raw: AxiosInstance;

beforeAll(async () => {
	({ emu, api, raw } = await setup());
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('GET /v5/user_account', () => {
	it('returns the Account of the token owner with the fields Pinterest documents', async () => {
		const res = await api.get('/user_account');
		expect(res.status).toBe(200);
		expect(res.headers['content-type']).toMatch(/^application\/json/);
		const acc = res.data as UserAccount;
		expect(acc).toMatchObject({
			account_type: 'BUSINESS',
			id: '2783136121146311751',
			username: 'pindexterp',
		});
		for (const field of [
			'profile_image',
			'website_url',
			'business_name',
			'about',
			'board_count',
			'pin_count',
			'follower_count',
			'following_count',
			'monthly_views',
		]) {
			expect(acc).toHaveProperty(field);
		}
		const second = await client(emu.apiBaseUrl, emu.demo.secondAccessToken).get('/user_account');
		expect(second.data).toMatchObject({ id: '2783136121146311752', username: 'secondpinner' });
	});

	it('acts as the owner of an ad account given in ad_account_id, if permitted', async () => {
		expect(
			(await api.get('/user_account', { params: { ad_account_id: emu.demo.adAccountId } })).data,
		).toMatchObject({
			id: emu.demo.userId,
		});
		expectError(
			await api.get('/user_account', { params: { ad_account_id: emu.demo.secondUserAdAccountId } }),
			403,
			403,
		);
		expectError(await api.get('/user_account', { params: { ad_account_id: 'x1' } }), 400, 400);
		expectError(
			await api.get('/user_account', { params: { ad_account_id: '1' } }),
			404,
			2,
			'AdAccount not found.',
		);
	});

	it('is logged as org_read with the owner, not the token', async () => {
		await api.get('/user_account');
		const entry = emu.log[emu.log.length - 1];
		expect(entry).toMatchObject({
			method: 'GET',
			path: '/v5/user_account',
			status: 200,
			category: 'org_read',
			userId: emu.demo.userId,
			recordCount: 0,
		});
		expect(entry.durationMs).toBeGreaterThanOrEqual(0);
	});
});

describe('GET /v5/ad_accounts', () => {
	it('lists the ad accounts of the token owner only', async () => {
		const res = await api.get('/ad_accounts');
		expect(res.status).toBe(200);
		const page = res.data as Paginated<AdAccount>;
		expect(page.bookmark).toBeNull();
		expect(page.items.map((a) => a.id)).toEqual(['549755885175', '549755885176']);
		expect(page.items[0]).toMatchObject({
			name: 'ACME Tools',
			owner: { id: emu.demo.userId, username: 'pindexterp' },
			country: 'US',
			currency: 'USD',
		});
		const second = await client(emu.apiBaseUrl, emu.demo.secondAccessToken).get('/ad_accounts');
		expect((second.data as Paginated<AdAccount>).items.map((a) => a.id)).toEqual(['549755885177']);
	});

	it('paginates with bookmarks', async () => {
		const p1 = (await api.get('/ad_accounts', { params: { page_size: 1 } }))
			.data as Paginated<AdAccount>;
		expect(p1.items.map((a) => a.id)).toEqual(['549755885175']);
		expect(typeof p1.bookmark).toBe('string');
		const p2 = (await api.get('/ad_accounts', { params: { page_size: 1, bookmark: p1.bookmark } }))
			.data as Paginated<AdAccount>;
		expect(p2.items.map((a) => a.id)).toEqual(['549755885176']);
		expect(p2.bookmark).toBeNull();
	});

	it.each(['0', '251', 'abc', '-1', '2.5'])(
		'rejects page_size=%s with 400 code 1',
		async (size) => {
			expectError(await api.get('/ad_accounts', { params: { page_size: size } }), 400, 1);
		},
	);

	it('rejects a forged bookmark', async () => {
		expectError(await api.get('/ad_accounts', { params: { bookmark: 'not-a-bookmark' } }), 400, 1);
	});

	it('drops deleted ad accounts', async () => {
		emu.deleteAdAccount(emu.demo.bigAdAccountId);
		const page = (await api.get('/ad_accounts')).data as Paginated<AdAccount>;
		expect(page.items.map((a) => a.id)).toEqual(['549755885175']);
	});
});

describe('GET /v5/ad_accounts/{id}', () => {
	it('returns the ad account', async () => {
		const res = await api.get(`/ad_accounts/${emu.demo.adAccountId}`);
		expect(res.status).toBe(200);
		expect(res.data).toMatchObject({ id: emu.demo.adAccountId, name: 'ACME Tools' });
	});

	it('answers 400 for a malformed id, 404 for an unknown one and 403 for another user’s', async () => {
		expectError(await api.get('/ad_accounts/12a'), 400, 400, 'Invalid ad account id');
		expectError(
			await api.get('/ad_accounts/1234567890123456789'),
			400,
			400,
			'Invalid ad account id',
		);
		expectError(await api.get('/ad_accounts/999999999999'), 404, 2, 'AdAccount not found.');
		expectError(
			await api.get(`/ad_accounts/${emu.demo.secondUserAdAccountId}`),
			403,
			29,
			'You are not permitted to access that resource.',
		);
	});

	it('answers 404 after the ad account was deleted, on every route below it', async () => {
		emu.deleteAdAccount(emu.demo.adAccountId);
		expectError(
			await api.get(`/ad_accounts/${emu.demo.adAccountId}`),
			404,
			2,
			'AdAccount not found.',
		);
		expectError(await api.get(`/ad_accounts/${emu.demo.adAccountId}/audiences`), 404, 2);
		expectError(
			await api.patch(`/ad_accounts/${emu.demo.adAccountId}/customer_lists/549755885178`, {
				operation_type: 'ADD',
				records: 'a',
			}),
			404,
			2,
		);
		expect(() => emu.deleteAdAccount(emu.demo.adAccountId)).toThrow(/Unknown ad account/);
	});
});

describe('generic errors', () => {
	it('answers 404 {code, message} for unknown routes', async () => {
		const res = await api.get('/pins');
		expect(res.status).toBe(404);
		expect(res.data).toEqual({ code: expect.any(Number), message: expect.any(String) });
		expect((await raw.get('/nothing-here')).status).toBe(404);
	});

	it('answers 405 code 5 for a wrong method on a known route', async () => {
		expectError(
			await api.delete(`/ad_accounts/${emu.demo.adAccountId}`),
			405,
			5,
			'Method not allowed',
		);
		expectError(await api.put(`/ad_accounts/${emu.demo.adAccountId}/audiences`, {}), 405, 5);
	});

	it('answers 400 code 1 for a body that is not JSON', async () => {
		const res = await api.post(`/ad_accounts/${emu.demo.adAccountId}/customer_lists`, '{"name": ', {
			headers: { 'Content-Type': 'application/json' },
		});
		expectError(res, 400, 1);
		const notObject = await api.post(`/ad_accounts/${emu.demo.adAccountId}/audiences`, '[1,2]', {
			headers: { 'Content-Type': 'application/json' },
		});
		expectError(notObject, 400, 1);
	});

	it('authenticates before validating ids', async () => {
		expectError(await raw.get('/v5/ad_accounts/abc'), 401, 2);
	});
});
