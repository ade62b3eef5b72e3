import type { AxiosInstance } from 'axios';
import type {
	CustomerList,
	DemoInfo,
	Emulator,
	EmulatorStats,
	RequestLogEntry,
	TokenPair,
} from '../../emulator';
import { client, expectError, setup } from './helpers';

let emu: Emulator;
let api: AxiosInstance;
let admin: AxiosInstance;
let ACC: string;

beforeAll(async () => {
	({ emu, api } = await setup({ writesPerSecond: 7 }));
	admin = client(`${emu.url}/_emulator`);
	ACC = emu.demo.adAccountId;
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('admin API', () => {
	it('GET /demo returns the demo object with the fixed seed values', async () => {
		const res = await admin.get('/demo');
		expect(res.status).toBe(200);
		expect(res.data).toEqual<DemoInfo>({
			userId: '2783136121146311751',
			secondUserId: '2783136121146311752',
			accessToken: 'pina_DEMO_ACCESS_TOKEN_0001',
			refreshToken: 'pinr.DEMO_REFRESH_TOKEN_0001',
			secondAccessToken: 'pina_DEMO_ACCESS_TOKEN_0002',
			secondRefreshToken: 'pinr.DEMO_REFRESH_TOKEN_0002',
			clientId: 'emulator-client-id',
			clientSecret: 'emulator-client-secret',
			adAccountId: '549755885175',
			bigAdAccountId: '549755885176',
			secondUserAdAccountId: '549755885177',
		});
		expect(emu.demo).toEqual(res.data);
	});

	it('GET /log returns entries (optionally since a seq and by category); admin calls are logged as admin', async () => {
		await api.get('/user_account');
		await api.get('/ad_accounts');
		const all = (await admin.get('/log')).data as { entries: RequestLogEntry[] };
		expect(all.entries.map((e) => e.path)).toEqual([
			'/v5/user_account',
			'/v5/ad_accounts',
			'/_emulator/log',
		]);
		expect(all.entries[0]).toMatchObject({
			seq: expect.any(Number),
			t: expect.any(Number),
			method: 'GET',
			status: 200,
			userId: emu.demo.userId,
			category: 'org_read',
			recordCount: 0,
		});
		expect(all.entries[2].category).toBe('admin');
		const since = (await admin.get('/log', { params: { since: all.entries[0].seq } })).data as {
			entries: RequestLogEntry[];
		};
		expect(since.entries[0].path).toBe('/v5/ad_accounts');
		const reads = (await admin.get('/log', { params: { category: 'ads_read' } })).data as {
			entries: RequestLogEntry[];
		};
		expect(reads.entries.map((e) => e.path)).toEqual(['/v5/ad_accounts']);
	});

	it('GET /stats reports write peaks, largest request and counts by status', async () => {
		const list = emu.findCustomerLists(ACC, 'Imported leads')[0];
		await Promise.all(
			Array.from({ length: 8 }, (_, i) =>
				api.patch(`/ad_accounts/${ACC}/customer_lists/${list.id}`, {
					operation_type: 'ADD',
					records: `a${i},b${i},c${i}`,
				}),
			),
		);
		await api.get('/nope');
		const stats = (await admin.get('/stats')).data as EmulatorStats;
		expect(stats).toMatchObject({
			maxWritesInAnyWindow: { [emu.demo.userId]: 7 },
			maxWritesInAnyWindowOverall: 7,
			largestRequestRecords: 3,
			totalRequests: 9,
			requestsByStatus: { '200': 7, '429': 1, '404': 1 },
		});
		expect(stats.requestsByCategory.ads_write).toBe(8);
		expect(emu.stats()).toMatchObject({ totalRequests: 9 });
	});

	it('POST/DELETE /faults add and clear faults', async () => {
		expect(
			(await admin.post('/faults', { path: '/user_account', status: 500, count: 2 })).status,
		).toBe(201);
		expect((await admin.post('/faults', { path: '/ad_accounts', kind: 'reset' })).status).toBe(201);
		expect((await api.get('/user_account')).status).toBe(500);
		expect((await admin.delete('/faults')).status).toBe(200);
		expect((await api.get('/user_account')).status).toBe(200);
		expect((await api.get('/ad_accounts')).status).toBe(200);
		expectError(await admin.post('/faults', { kind: 'nope' }), 400, 1);
		expectError(
			await admin.post('/faults', 'not json', { headers: { 'Content-Type': 'application/json' } }),
			400,
			1,
		);
	});

	it('POST /revoke and /expire act on one user or everybody', async () => {
		const second = client(emu.apiBaseUrl, emu.demo.secondAccessToken);
		expect((await admin.post('/expire', { userId: emu.demo.userId })).status).toBe(200);
		expectError(await api.get('/user_account'), 401, 2);
		expect((await second.get('/user_account')).status).toBe(200);
		expect((await admin.post('/revoke', {})).status).toBe(200);
		expectError(await second.get('/user_account'), 401, 2);
		expectError(await admin.post('/revoke', { userId: 42 }), 400, 1);
	});

	it('POST /tokens issues a token pair for a user', async () => {
		const res = await admin.post('/tokens', { userId: emu.demo.secondUserId, lifetimeSec: 3600 });
		expect(res.status).toBe(201);
		const pair = res.data as TokenPair;
		const me = await client(emu.apiBaseUrl, pair.access_token).get('/user_account');
		expect(me.data).toMatchObject({ id: emu.demo.secondUserId });
		const expired = (await admin.post('/tokens', { userId: emu.demo.userId, expired: true }))
			.data as TokenPair;
		expectError(await client(emu.apiBaseUrl, expired.access_token).get('/user_account'), 401, 2);
		expectError(await admin.post('/tokens', { userId: '1' }), 404, 404);
		expectError(await admin.post('/tokens', {}), 400, 1);
	});

	it('POST /reset restores the seed, clears faults and the log', async () => {
		await api.post(`/ad_accounts/${ACC}/customer_lists`, { name: 'temp', records: 'a' });
		emu.addFault({ path: '/user_account', status: 500 });
		expect((await admin.post('/reset')).status).toBe(200);
		expect(emu.findCustomerLists(ACC, 'temp')).toHaveLength(0);
		expect((await api.get('/user_account')).status).toBe(200);
		expect(emu.log.map((e) => e.path)).toEqual(['/v5/user_account']);
	});

	it('reset empties the same log array the caller holds', async () => {
		const log = emu.log;
		await api.get('/user_account');
		expect(log).toHaveLength(1);
		emu.reset();
		expect(log).toHaveLength(0);
		await api.get('/user_account');
		expect(log).toHaveLength(1);
	});

	it('reset reproduces the same ids', async () => {
		const before = emu.findAudiences(emu.demo.bigAdAccountId).map((a) => a.id);
		await api.post(`/ad_accounts/${ACC}/customer_lists`, { name: 'bump', records: 'a' });
		emu.reset();
		expect(emu.findAudiences(emu.demo.bigAdAccountId).map((a) => a.id)).toEqual(before);
	});

	it('GET customer_lists, audiences and records of an ad account', async () => {
		const lists = (
			await admin.get(`/ad_accounts/${ACC}/customer_lists`, { params: { name: 'Trial users' } })
		).data as { items: CustomerList[] };
		expect(lists.items).toHaveLength(1);
		const records = (
			await admin.get(`/ad_accounts/${ACC}/customer_lists/${lists.items[0].id}/records`)
		).data as { records: string[] };
		expect(records.records).toHaveLength(40);
		expect(records.records.every((r) => /^[0-9a-f]{64}$/.test(r))).toBe(true);
		expect([...emu.listRecords(ACC, lists.items[0].id)].sort()).toEqual(
			[...records.records].sort(),
		);
		const auds = (await admin.get(`/ad_accounts/${ACC}/audiences`)).data as { items: unknown[] };
		expect(auds.items).toHaveLength(5);
		expectError(await admin.get(`/ad_accounts/${ACC}/customer_lists/123/records`), 404, 404);
	});

	it('POST audience and ad account deletion', async () => {
		const aud = emu.findAudiences(ACC, 'Trial users')[0];
		expect((await admin.post(`/ad_accounts/${ACC}/audiences/${aud.id}/delete`)).status).toBe(200);
		expectError(
			await api.get(`/ad_accounts/${ACC}/audiences/${aud.id}`),
			404,
			2,
			'Audience not found.',
		);
		expectError(await admin.post(`/ad_accounts/${ACC}/audiences/${aud.id}/delete`), 404, 404);
		expect((await admin.post(`/ad_accounts/${ACC}/delete`)).status).toBe(200);
		expectError(await api.get(`/ad_accounts/${ACC}`), 404, 2, 'AdAccount not found.');
	});

	it('POST audience sharing and customer-list exceptions', async () => {
		const BIG = emu.demo.bigAdAccountId;
		const segment = emu.findAudiences(BIG, 'Segment 020')[0];
		const share = `/ad_accounts/${BIG}/audiences/${segment.id}/share`;
		expect((await admin.post(share, { recipientAdAccountId: ACC })).status).toBe(200);
		const received = await api.get(`/ad_accounts/${ACC}/audiences`, {
			params: { ownership_type: 'RECEIVED' },
		});
		expect((received.data as { items: Array<{ id: string }> }).items.map((a) => a.id)).toContain(
			segment.id,
		);
		expectError(await admin.post(share, {}), 400, 1);
		expectError(await admin.post(share, { recipientAdAccountId: '1' }), 404, 404);

		const list = emu.findCustomerLists(ACC, 'Trial users')[0];
		const path = `/ad_accounts/${ACC}/customer_lists/${list.id}/exceptions`;
		const exceptions = { code: 2, message: 'Advertiser not found.' };
		expect((await admin.post(path, { exceptions })).status).toBe(200);
		expect(emu.findCustomerLists(ACC, 'Trial users')[0].exceptions).toEqual(exceptions);
		expectError(await admin.post(path, { exceptions: 'none' }), 400, 1);
		expectError(
			await admin.post(`/ad_accounts/${ACC}/customer_lists/123456789012/exceptions`, {
				exceptions,
			}),
			404,
			404,
		);
	});

	it('POST /latency sets the latency', async () => {
		expect((await admin.post('/latency', { ms: 120, jitterMs: 0 })).status).toBe(200);
		expect(emu.options.latencyMs).toBe(120);
		const started = Date.now();
		await api.get('/user_account');
		expect(Date.now() - started).toBeGreaterThanOrEqual(110);
		// admin routes are not delayed by the API latency
		expect((await admin.post('/latency', { ms: 0 })).status).toBe(200);
		expectError(await admin.post('/latency', { ms: -1 }), 400, 1);
	});

	it('unknown admin routes answer 404 and wrong methods 405', async () => {
		expectError(await admin.get('/nothing'), 404, 404);
		expectError(await admin.get('/reset'), 405, 5);
	});
});
