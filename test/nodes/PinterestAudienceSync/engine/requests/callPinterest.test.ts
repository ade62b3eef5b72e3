/**
 * The one request path (callPinterest) and the one paging helper, against the running emulator over real
 * HTTP through the node's transport: the bounds the audience operations and list searches use (attempts,
 * cancellation) and a create whose answer was lost.
 */
import { createHash } from 'node:crypto';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { callPinterest } from '../../../../../nodes/PinterestAudienceSync/engine/requests';
import type {
	PinterestAudience,
	PinterestCustomerList,
	PinterestPage,
	PinterestRequest,
} from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import {
	PAGE_SIZE,
	PinterestApiError,
	bookmarkPages,
	newCallStats,
} from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import type { CallOptions } from '../../../../../nodes/PinterestAudienceSync/engine/requests';
import { processRuntime } from '../../../../../nodes/PinterestAudienceSync/engine/runtime';
import { pinterestClientFor } from '../../../../../nodes/PinterestAudienceSync/transport';
import { createExecuteContext } from '../../../../helpers/n8nContext';
import { credentialFor } from '../../../../helpers/nodeRunner';

const ACCOUNT = '549755885175';

let emu: Emulator;

beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});
afterEach(() => emu.clearFaults());

function callOptions<T>(overrides: Partial<CallOptions<T>> = {}): CallOptions<T> {
	const client = pinterestClientFor(
		createExecuteContext({ credential: credentialFor(emu), credentialId: 'retry', parameters: {} }),
	);
	return {
		client: () => client,
		gate: processRuntime().authGates.gateFor('retry'),
		policy: { deadline: Date.now() + 60_000, baseDelayMs: 1, maxDelayMs: 1 },
		stats: [newCallStats()],
		...overrides,
	};
}

const USER_ACCOUNT: PinterestRequest = { method: 'GET', path: '/user_account' };

function requestsSince(since: number, method: string, path: string): number {
	return emu.log.slice(since).filter((e) => e.method === method && e.path === `/v5${path}`).length;
}

describe('callPinterest', () => {
	it("gives up after the policy's attempts with the last failure itself", async () => {
		emu.addFault({ method: 'GET', path: '/user_account', status: 503, count: 5 });
		const since = emu.log.length;
		const options = callOptions();

		const failure = callPinterest(USER_ACCOUNT, {
			...options,
			policy: { ...options.policy, maxAttempts: 2 },
		});

		await expect(failure).rejects.toBeInstanceOf(PinterestApiError);
		await expect(failure).rejects.toMatchObject({ status: 503 });
		expect(requestsSince(since, 'GET', '/user_account')).toBe(2);
		expect(options.stats[0]).toMatchObject({ requests: 2, retries: 1 });
	});

	it('stops retrying once the caller says so (a cancelled execution)', async () => {
		emu.addFault({ method: 'GET', path: '/user_account', status: 429, count: 5 });
		const since = emu.log.length;

		const failure = callPinterest(USER_ACCOUNT, callOptions({ stopRetrying: () => true }));

		await expect(failure).rejects.toMatchObject({ status: 429 });
		expect(requestsSince(since, 'GET', '/user_account')).toBe(1);
	});

	it('finds a create whose answer was lost instead of sending it again', async () => {
		const name = `Lost answer ${Date.now()}`;
		const path = `/ad_accounts/${ACCOUNT}/customer_lists`;
		// Pinterest creates the list but the answer comes after the request timed out.
		emu.addFault({ method: 'POST', path: `${path}$`, kind: 'hang', hangMs: 3_000 });
		const since = emu.log.length;
		const options = callOptions<PinterestCustomerList>();
		const reads = callOptions<PinterestPage<PinterestCustomerList>>();
		const record = createHash('sha256').update('lost@example.com').digest('hex');

		const list = await callPinterest<PinterestCustomerList>(
			{ method: 'POST', path, body: { name, records: record, list_type: 'EMAIL' }, timeoutMs: 500 },
			{
				...options,
				findApplied: async () => {
					const pages = bookmarkPages<PinterestCustomerList>((qs) =>
						callPinterest<PinterestPage<PinterestCustomerList>>({ method: 'GET', path, qs }, reads),
					);
					for await (const page of pages) {
						const found = page.items.find((l) => l.name === name);
						if (found) return found;
					}
					return undefined;
				},
			},
		);

		expect(list.name).toBe(name);
		expect(emu.findCustomerLists(ACCOUNT, name)).toHaveLength(1);
		expect(requestsSince(since, 'POST', path)).toBe(1);
	});
});

describe('bookmarkPages', () => {
	it('walks a long list in pages of the largest size, to the end', async () => {
		const path = `/ad_accounts/${emu.demo.bigAdAccountId}/audiences`;
		const options = callOptions<PinterestPage<PinterestAudience>>();
		const sizes: number[] = [];
		const ids = new Set<string>();
		let lastBookmark: string | null | undefined;

		for await (const page of bookmarkPages<PinterestAudience>((qs) =>
			callPinterest({ method: 'GET', path, qs }, options),
		)) {
			sizes.push(page.items.length);
			for (const audience of page.items) ids.add(audience.id);
			lastBookmark = page.bookmark;
		}

		const total = emu.findAudiences(emu.demo.bigAdAccountId).length;
		expect(total).toBeGreaterThan(2 * PAGE_SIZE);
		expect(ids.size).toBe(total);
		expect(sizes.slice(0, -1).every((size) => size === PAGE_SIZE)).toBe(true);
		expect(sizes).toHaveLength(Math.ceil(total / PAGE_SIZE));
		expect(lastBookmark).toBeNull();
	});
});
