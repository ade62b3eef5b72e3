import axios, { type AxiosInstance } from 'axios';
import type { Emulator } from '../../emulator';
import { client, expectError, FORM, form, setup } from './helpers';

let emu: Emulator;
let api: AxiosInstance;
let raw: AxiosInstance;
let listUrl: string;

beforeAll(async () => {
	({ emu, api, raw } = await setup());
});
afterAll(() => emu.close());
beforeEach(() => {
	emu.reset();
	emu.setLatency(0, 0);
	const list = emu.findCustomerLists(emu.demo.adAccountId, 'Imported leads')[0];
	listUrl = `/ad_accounts/${emu.demo.adAccountId}/customer_lists/${list.id}`;
});

const addRecord = (r: string) => api.patch(listUrl, { operation_type: 'ADD', records: r });
const members = () => emu.listRecords(emu.demo.adAccountId, listUrl.split('/').pop() as string);

function axiosErrorCode(err: unknown): string {
	if (axios.isAxiosError(err)) return `${err.code ?? ''} ${err.message}`;
	return String(err);
}

describe('status faults', () => {
	it('with applied: true answer the status after the request took effect (an answer lost on its way back)', async () => {
		emu.addFault({ method: 'PATCH', path: listUrl, status: 503, applied: true });
		expectError(await addRecord('lost@example.com'), 503, 503);
		expect(members().has('lost@example.com')).toBe(true);
		const next = await addRecord('kept@example.com');
		expect(next.status).toBe(200);
		expect(members().has('kept@example.com')).toBe(true);
	});

	it('answer the given status with a default {code, message} body, once by default, without applying the request', async () => {
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', status: 503 });
		const faulted = await addRecord('first@example.com');
		expectError(faulted, 503, 503);
		expect(members().has('first@example.com')).toBe(false);
		expect((await addRecord('second@example.com')).status).toBe(200);
		expect(members().has('second@example.com')).toBe(true);
		const entries = emu.log.filter((e) => e.method === 'PATCH');
		expect(entries.map((e) => e.status)).toEqual([503, 200]);
		expect(entries[0]).toMatchObject({
			userId: emu.demo.userId,
			recordCount: 1,
			category: 'ads_write',
		});
	});

	it('use Pinterest-like default bodies per status', async () => {
		emu.addFault({ path: '/user_account', status: 429 });
		emu.addFault({ path: '/user_account', status: 401 });
		expectError(await api.get('/user_account'), 429, 8);
		expectError(await api.get('/user_account'), 401, 2, 'Authentication failed.');
	});

	it('send a custom body and headers', async () => {
		emu.addFault({
			path: '/user_account',
			status: 429,
			body: { code: 8, message: 'slow down', extra: true },
			headers: { 'Retry-After': '3', 'X-RateLimit-Reset': '3' },
		});
		const res = await api.get('/user_account');
		expect(res.status).toBe(429);
		expect(res.data).toEqual({ code: 8, message: 'slow down', extra: true });
		expect(res.headers['retry-after']).toBe('3');
		expect(res.headers['x-ratelimit-reset']).toBe('3');
	});

	it('apply count times; the first matching fault with count left wins', async () => {
		emu.addFault({ path: '/user_account', status: 500, count: 2 });
		emu.addFault({ path: '/user_account', status: 502 });
		const statuses: number[] = [];
		for (let i = 0; i < 4; i++) statuses.push((await api.get('/user_account')).status);
		expect(statuses).toEqual([500, 500, 502, 200]);
	});

	it('match by method and by RegExp source', async () => {
		emu.addFault({ method: 'post', path: 'audiences', status: 500, count: 5 });
		emu.addFault({ path: '^/v5/ad_accounts/\\d+/audiences$', status: 418, count: 5 });
		const acc = emu.demo.adAccountId;
		const aud = emu.findAudiences(acc)[0];
		expect((await api.get(`/ad_accounts/${acc}/audiences/${aud.id}`)).status).toBe(200); // regex is anchored
		expect((await api.get(`/ad_accounts/${acc}/audiences`)).status).toBe(418);
		expect((await api.post(`/ad_accounts/${acc}/audiences`, {})).status).toBe(500);
	});

	it('apply to the token endpoint but never to the admin API', async () => {
		emu.addFault({ status: 500, count: 10 }); // matches everything
		expect((await raw.get('/_emulator/demo')).status).toBe(200);
		const res = await raw.post(
			'/v5/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: emu.demo.refreshToken }),
			{
				headers: FORM,
				auth: { username: emu.demo.clientId, password: emu.demo.clientSecret },
			},
		);
		expect(res.status).toBe(500);
		emu.clearFaults();
		expect((await api.get('/user_account')).status).toBe(200);
	});

	it('reject invalid specs', () => {
		expect(() => emu.addFault({ kind: 'explode' as 'reset' })).toThrow();
		expect(() => emu.addFault({ count: 0 })).toThrow();
		expect(() => emu.addFault({ status: 42 })).toThrow();
	});
});

describe('reset faults', () => {
	it('destroy the connection without a response and without applying the request', async () => {
		emu.addFault({ method: 'PATCH', kind: 'reset' });
		const err = await addRecord('lost@example.com').then(
			() => null,
			(e: unknown) => e,
		);
		expect(err).not.toBeNull();
		expect(axiosErrorCode(err)).toMatch(/ECONNRESET|socket hang up/);
		expect(members().has('lost@example.com')).toBe(false);
		expect(emu.log.filter((e) => e.method === 'PATCH').map((e) => e.status)).toEqual([0]);
		// the next request works
		expect((await addRecord('kept@example.com')).status).toBe(200);
	});
});

describe('hang faults', () => {
	it('never answer: the client times out; the request is logged with status 0', async () => {
		emu.addFault({ path: '/user_account', kind: 'hang' });
		const err = await api.get('/user_account', { timeout: 300 }).then(
			() => null,
			(e: unknown) => e,
		);
		expect(axios.isAxiosError(err) && err.code).toBe('ECONNABORTED');
		expect(emu.log.find((e) => e.path === '/v5/user_account')?.status).toBe(0);
		expect((await api.get('/user_account')).status).toBe(200);
	});

	it('with hangMs answer normally after the delay', async () => {
		emu.addFault({ path: '/user_account', kind: 'hang', hangMs: 250 });
		const started = Date.now();
		const res = await api.get('/user_account');
		expect(res.status).toBe(200);
		expect(Date.now() - started).toBeGreaterThanOrEqual(240);
		expect(emu.log.find((e) => e.path === '/v5/user_account')?.durationMs).toBeGreaterThanOrEqual(
			240,
		);
	});

	it('close() returns even with hanging requests', async () => {
		const other = await setup();
		other.emu.addFault({ kind: 'hang', count: 3 });
		const pending = [1, 2, 3].map(() =>
			other.api.get('/user_account').then(
				() => 'answered',
				() => 'failed',
			),
		);
		await new Promise((r) => setTimeout(r, 100));
		await other.emu.close();
		expect(await Promise.all(pending)).toEqual(['failed', 'failed', 'failed']);
	});
});

describe('latency', () => {
	it('delays responses, not arrival times', async () => {
		emu.setLatency(200);
		expect(emu.options.latencyMs).toBe(200);
		const started = Date.now();
		expect((await api.get('/user_account')).status).toBe(200);
		const received = performance.timeOrigin + performance.now();
		expect(Date.now() - started).toBeGreaterThanOrEqual(190);
		const entry = emu.log[emu.log.length - 1];
		// t is the arrival time: at least the latency before the response came back
		expect(received - entry.t).toBeGreaterThanOrEqual(190);
		expect(entry.durationMs).toBeGreaterThanOrEqual(190);
	});

	it('applies the latency option from the start and jitter on top', async () => {
		const other = await setup({ latencyMs: 100, latencyJitterMs: 50 });
		try {
			const c = client(other.emu.apiBaseUrl, other.emu.demo.accessToken);
			const started = Date.now();
			await c.get('/user_account');
			expect(Date.now() - started).toBeGreaterThanOrEqual(95);
		} finally {
			await other.emu.close();
		}
	});
});
