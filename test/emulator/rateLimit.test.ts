import type { AxiosInstance, AxiosResponse } from 'axios';
import {
	RATE_LIMIT_MESSAGE,
	type CustomerList,
	type Emulator,
	type EmulatorOptions,
} from '../../emulator';
import { client, expectError, setup, sleep } from './helpers';

interface Ctx {
	emu: Emulator;
	api: AxiosInstance;
	listId: string;
}

const open: Emulator[] = [];
afterEach(async () => {
	await Promise.all(open.splice(0).map((e) => e.close()));
});

/** An emulator with the given limits and a fresh list of the demo account (created before limits matter). */
async function start(options: EmulatorOptions): Promise<Ctx> {
	const { emu, api } = await setup(options);
	open.push(emu);
	const listId = emu.findCustomerLists(emu.demo.adAccountId, 'Imported leads')[0].id;
	return { emu, api, listId };
}

function add(ctx: Ctx, record: string, api = ctx.api): Promise<AxiosResponse> {
	return api.patch(`/ad_accounts/${ctx.emu.demo.adAccountId}/customer_lists/${ctx.listId}`, {
		operation_type: 'ADD',
		records: record,
	});
}

describe('ads_write limits', () => {
	it('answers the 8th of 8 concurrent writes with 429 code 8 and Retry-After, and lets writes pass after the window', async () => {
		const ctx = await start({ writesPerSecond: 7 });
		expect(ctx.emu.options.writesPerSecond).toBe(7);
		const responses = await Promise.all(
			Array.from({ length: 8 }, (_, i) => add(ctx, `burst${i}@example.com`)),
		);
		const statuses = responses.map((r) => r.status).sort();
		expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 429]);
		const limited = responses.find((r) => r.status === 429) as AxiosResponse;
		expect(limited.data).toEqual({ code: 8, message: RATE_LIMIT_MESSAGE });
		const retryAfter = String(limited.headers['retry-after']);
		expect(retryAfter).toMatch(/^\d+$/);
		expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);

		// the rejected write was not applied
		const members = ctx.emu.listRecords(ctx.emu.demo.adAccountId, ctx.listId);
		expect([...members].filter((m) => m.startsWith('burst'))).toHaveLength(7);
		expect(ctx.emu.maxWritesInAnyWindow(ctx.emu.demo.userId)).toBe(7);
		expect(ctx.emu.maxWritesInAnyWindow()).toBe(7);
		const writes = ctx.emu.log.filter((e) => e.category === 'ads_write');
		expect(writes).toHaveLength(8);
		expect(writes.filter((e) => e.status === 429)).toHaveLength(1);

		// all 8 arrived before the last response; one second later the window is free again
		await sleep(1100);
		expect((await add(ctx, 'after@example.com')).status).toBe(200);
	});

	it('counts creates of audiences and lists too, but not reads', async () => {
		// per-minute quota: independent of how fast this machine runs the sequence
		const ctx = await start({ writesPerSecond: 0, writesPerMinute: 2 });
		const acc = ctx.emu.demo.adAccountId;
		expect(
			(await ctx.api.post(`/ad_accounts/${acc}/customer_lists`, { name: 'a', records: 'x' }))
				.status,
		).toBe(201);
		const audience = await ctx.api.post(`/ad_accounts/${acc}/audiences`, {
			name: 'a',
			audience_type: 'CUSTOMER_LIST',
			rule: { customer_list_id: ctx.listId },
		});
		expect(audience.status).toBe(201);
		expect((await ctx.api.get(`/ad_accounts/${acc}/customer_lists`)).status).toBe(200);
		expect((await ctx.api.get('/user_account')).status).toBe(200);
		expectError(
			await ctx.api.post(`/ad_accounts/${acc}/customer_lists`, { name: 'b', records: 'y' }),
			429,
			8,
		);
		expect(ctx.emu.findCustomerLists(acc, 'b')).toHaveLength(0);
	});

	it('limits each Pinterest user separately, across all of the user’s tokens', async () => {
		const ctx = await start({ writesPerSecond: 0, writesPerMinute: 3 });
		const otherTokenOfDemo = client(
			ctx.emu.apiBaseUrl,
			ctx.emu.issueTokens(ctx.emu.demo.userId).access_token,
		);
		const second = client(ctx.emu.apiBaseUrl, ctx.emu.demo.secondAccessToken);
		const secondList = ctx.emu.findCustomerLists(ctx.emu.demo.secondUserAdAccountId)[0].id;
		const secondWrite = () =>
			second.patch(
				`/ad_accounts/${ctx.emu.demo.secondUserAdAccountId}/customer_lists/${secondList}`,
				{
					operation_type: 'ADD',
					records: 'z',
				},
			);

		const demo = await Promise.all([add(ctx, 'a'), add(ctx, 'b'), add(ctx, 'c', otherTokenOfDemo)]);
		expect(demo.map((r) => r.status)).toEqual([200, 200, 200]);
		expectError(await add(ctx, 'd', otherTokenOfDemo), 429, 8);
		expect((await secondWrite()).status).toBe(200);
		expect(ctx.emu.maxWritesInAnyWindow(ctx.emu.demo.userId)).toBe(3);
		expect(ctx.emu.maxWritesInAnyWindow(ctx.emu.demo.secondUserId)).toBe(1);
	});

	it('does not limit when writesPerSecond is 0 or Infinity', async () => {
		for (const writesPerSecond of [0, Infinity]) {
			const ctx = await start({ writesPerSecond });
			const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => add(ctx, `r${i}`)));
			expect(responses.every((r) => r.status === 200)).toBe(true);
			expect(ctx.emu.maxWritesInAnyWindow(ctx.emu.demo.userId)).toBe(20);
		}
	});

	it('omits Retry-After when sendRetryAfter is false', async () => {
		const ctx = await start({ writesPerSecond: 0, writesPerMinute: 1, sendRetryAfter: false });
		expect((await add(ctx, 'a')).status).toBe(200);
		const limited = await add(ctx, 'b');
		expectError(limited, 429, 8);
		expect(limited.headers['retry-after']).toBeUndefined();
	});

	it('maxWritesInAnyWindow takes other window sizes', async () => {
		const ctx = await start({ writesPerSecond: 0 });
		await add(ctx, 'a');
		await add(ctx, 'b');
		expect(ctx.emu.maxWritesInAnyWindow(ctx.emu.demo.userId, 60_000)).toBe(2);
		expect(ctx.emu.maxWritesInAnyWindow(ctx.emu.demo.userId, 0)).toBe(0);
		expect(ctx.emu.maxWritesInAnyWindow('no-such-user')).toBe(0);
	});
});

describe('other quotas', () => {
	it('optional per-minute write quota answers 429 with a Retry-After of the remaining minute', async () => {
		const ctx = await start({ writesPerSecond: 0, writesPerMinute: 3 });
		for (const r of ['a', 'b', 'c']) expect((await add(ctx, r)).status).toBe(200);
		const limited = await add(ctx, 'd');
		expectError(limited, 429, 8);
		expect(Number(limited.headers['retry-after'])).toBeGreaterThan(30);
		expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
	});

	it('ads_read quota per minute', async () => {
		const ctx = await start({ readsPerMinute: 3 });
		const acc = ctx.emu.demo.adAccountId;
		for (let i = 0; i < 3; i++) expect((await ctx.api.get(`/ad_accounts/${acc}`)).status).toBe(200);
		expectError(await ctx.api.get(`/ad_accounts/${acc}/audiences`), 429, 8);
		// org_read is not ads_read
		expect((await ctx.api.get('/user_account')).status).toBe(200);
	});

	it('universal per-second limit over all API categories', async () => {
		const ctx = await start({ requestsPerSecond: 3, writesPerSecond: 0 });
		const acc = ctx.emu.demo.adAccountId;
		const responses = await Promise.all([
			ctx.api.get('/user_account'),
			ctx.api.get(`/ad_accounts/${acc}`),
			add(ctx, 'a'),
			ctx.api.get(`/ad_accounts/${acc}/audiences`),
		]);
		expect(responses.map((r) => r.status).sort()).toEqual([200, 200, 200, 429]);
	});

	it('does not rate limit unauthenticated requests, OAuth or admin routes', async () => {
		const ctx = await start({ requestsPerSecond: 1 });
		const raw = client(ctx.emu.url);
		for (let i = 0; i < 3; i++) {
			expectError(await raw.get('/v5/user_account'), 401, 2);
			expect((await raw.get('/_emulator/stats')).status).toBe(200);
		}
		expect((await ctx.api.get('/user_account')).status).toBe(200);
	});

	it('faulted writes use quota (they reached the server) unless the fault answers 429', async () => {
		const ctx = await start({ writesPerSecond: 0, writesPerMinute: 3 });
		ctx.emu.addFault({ method: 'PATCH', status: 429 });
		ctx.emu.addFault({ method: 'PATCH', status: 503 });
		ctx.emu.addFault({ method: 'PATCH', kind: 'reset' });
		expectError(await add(ctx, 'a'), 429, 8);
		expectError(await add(ctx, 'b'), 503, 503);
		await expect(add(ctx, 'c')).rejects.toThrow();
		expect((await add(ctx, 'd')).status).toBe(200);
		expectError(await add(ctx, 'e'), 429, 8);
		expect(ctx.emu.maxWritesInAnyWindow(ctx.emu.demo.userId, 60_000)).toBe(3);
	});

	it('checks the record limit after auth and rate limiting', async () => {
		const ctx = await start({ writesPerSecond: 0, writesPerMinute: 1, maxRecordsPerRequest: 2 });
		const raw = client(ctx.emu.apiBaseUrl);
		const url = `/ad_accounts/${ctx.emu.demo.adAccountId}/customer_lists/${ctx.listId}`;
		expectError(await raw.patch(url, { operation_type: 'ADD', records: 'a,b,c' }), 401, 2);
		expectError(await add(ctx, 'a,b,c'), 400, 1, /Too many records/);
		expectError(await add(ctx, 'a,b,c'), 429, 8);
		expect(ctx.emu.largestRequestRecords()).toBe(3);
		const list = ctx.emu.findCustomerLists(
			ctx.emu.demo.adAccountId,
			'Imported leads',
		)[0] as CustomerList;
		expect(list.num_batches).toBe(1);
	});
});
