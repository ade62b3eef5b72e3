/**
 * Fault matrix, transient part: 429s, 5xx, dropped connections and hangs are retried until
 * Pinterest accepts the users; when the retry window runs out, the users are Errored with the
 * reason. Every run keeps the Users/Metrics contract (runNode asserts it).
 */
import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import type { TargetAudience } from './support';
import {
	INJECTED_FAULTS_ONLY,
	createTarget,
	credentialFor,
	emailItems,
	executeExpectingError,
	expectAllHeld,
	patchesTo,
	runNode,
	statusCounts,
	statusOf,
	syncParameters,
	toTarget,
	uniqueName,
} from './support';

// Runs against a live server with real retries and rate limits: allow more than the 5 s default.
jest.setTimeout(30_000);

let emu: Emulator;
let offset = 0;
/** Fresh users for every run, so that "held by the list" proves this run delivered them. */
const freshUsers = (count: number) => emailItems(count, (offset += 100_000));

beforeAll(async () => {
	emu = await startEmulator(INJECTED_FAULTS_ONLY);
});
afterEach(() => emu.clearFaults());
afterAll(async () => {
	await emu.close();
});

describe('transient faults are retried to success', () => {
	let target: TargetAudience;
	beforeAll(async () => {
		target = await createTarget(emu, 'Transient');
	});

	it('429 burst: five "too many requests" answers, then every user synced', async () => {
		emu.addFault({
			method: 'PATCH',
			path: '/customer_lists/',
			count: 5,
			status: 429,
			headers: { 'retry-after': '0' },
		});
		const items = freshUsers(3000);
		const since = emu.log.length;
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target),
			items,
		});

		expect(statusCounts(run)).toEqual({ synced: 3000 });
		expect(run.metrics.rateLimited).toBe(5);
		expect(run.metrics.retries).toBe(5);
		expect(patchesTo(emu, target.customerListId, since).map((e) => e.status)).toEqual([
			429, 429, 429, 429, 429, 200, 200,
		]);
		expectAllHeld(emu, target.customerListId, items);
	});

	it.each([500, 502, 503])('%i three times in a row, then every user synced', async (status) => {
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 3, status });
		const items = freshUsers(2500);
		const since = emu.log.length;
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target),
			items,
		});

		expect(statusCounts(run)).toEqual({ synced: 2500 });
		expect(run.metrics.retries).toBe(3);
		expect(run.metrics.rateLimited).toBe(0);
		const statuses = patchesTo(emu, target.customerListId, since).map((e) => e.status);
		expect(statuses.filter((s) => s === status)).toHaveLength(3);
		expect(statuses.filter((s) => s === 200)).toHaveLength(2);
		expectAllHeld(emu, target.customerListId, items);
	});

	it('dropped connection (reset without an answer), twice, then every user synced', async () => {
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 2, kind: 'reset' });
		const items = freshUsers(2000);
		const since = emu.log.length;
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target),
			items,
		});

		expect(statusCounts(run)).toEqual({ synced: 2000 });
		expect(run.metrics.retries).toBe(2);
		expect(patchesTo(emu, target.customerListId, since).map((e) => e.status)).toEqual([
			0, 0, 200, 200,
		]);
		expectAllHeld(emu, target.customerListId, items);
	});

	it('a request that hangs past the request timeout is abandoned and retried', async () => {
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 1, kind: 'hang' });
		const items = freshUsers(500);
		const since = emu.log.length;
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target, { requestTimeoutSeconds: 1 }),
			items,
		});

		expect(statusCounts(run)).toEqual({ synced: 500 });
		expect(run.metrics.retries).toBe(1);
		expect(patchesTo(emu, target.customerListId, since).map((e) => e.status)).toEqual([0, 200]);
		expectAllHeld(emu, target.customerListId, items);
	});

	it('an answer that arrives after the timeout (write applied, client gave up) is retried without harm', async () => {
		emu.addFault({
			method: 'PATCH',
			path: '/customer_lists/',
			count: 1,
			kind: 'hang',
			hangMs: 1500,
		});
		const items = freshUsers(500);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target, { requestTimeoutSeconds: 1 }),
			items,
		});

		expect(statusCounts(run)).toEqual({ synced: 500 });
		expect(run.metrics.retries).toBe(1);
		expectAllHeld(emu, target.customerListId, items);
	});

	it('faults on the setup calls (user lookup, audience lookup) are retried too', async () => {
		emu.addFault({ method: 'GET', path: '/audiences/', count: 2, status: 503 });
		emu.addFault({ method: 'GET', path: '/audiences/', count: 1, kind: 'reset' });
		const items = freshUsers(10);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target),
			items,
		});
		expect(statusCounts(run)).toEqual({ synced: 10 });
		expect(run.metrics.retries).toBe(3);
		expectAllHeld(emu, target.customerListId, items);
	});
});

describe('creating the audience when an answer is lost', () => {
	it.each([
		['the customer list, applied but answered after the timeout', '/customer_lists$', 'hang'],
		['the audience, applied but answered after the timeout', '/audiences$', 'hang'],
		['the customer list, connection dropped', '/customer_lists$', 'reset'],
		['the audience, 502', '/audiences$', 'status'],
	] as const)('create of %s: retried, still one list and one audience', async (_, path, kind) => {
		emu.addFault({ method: 'POST', path, count: 1, kind, status: 502, hangMs: 1500 });
		const name = uniqueName('Lost answer');
		const items = freshUsers(50);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: name, options: { requestTimeoutSeconds: 1 } }),
			items,
		});
		expect(statusCounts(run)).toEqual({ synced: 50 });
		expect(run.metrics.audienceCreated).toBe(true);
		expect(emu.findCustomerLists(emu.demo.adAccountId, name)).toHaveLength(1);
		expect(emu.findAudiences(emu.demo.adAccountId, name)).toHaveLength(1);
		expect(run.metrics.customerListId).toBe(
			emu.findCustomerLists(emu.demo.adAccountId, name)[0].id,
		);
		expect(run.metrics.audienceId).toBe(emu.findAudiences(emu.demo.adAccountId, name)[0].id);
		expectAllHeld(emu, run.metrics.customerListId as string, items);
	});
});

describe('the retry window running out', () => {
	it('503 until the window ends: users Errored with the reason, metrics say so', async () => {
		const target = await createTarget(emu, 'Window 5xx');
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 10_000, status: 503 });
		const items = freshUsers(3000);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target, { retryWindowMinutes: 0.05 }),
			items,
			continueOnFail: true,
		});

		expect(statusCounts(run)).toEqual({
			'errored: Pinterest unavailable until the retry window ended': 3000,
		});
		expect(run.metrics.errorReasons).toEqual({
			'Pinterest unavailable until the retry window ended': 3000,
		});
		expect(run.metrics.retries).toBeGreaterThanOrEqual(2);
		expect(run.metrics.error).toMatch(
			/for 3 seconds .*Run the workflow again later, or raise "Retry Window"/,
		);
		expect(emu.listRecords(emu.demo.adAccountId, target.customerListId).size).toBe(1);
	});

	it('a 429 storm that outlasts a short window: users Errored "rate limited until the retry window ended"', async () => {
		const target = await createTarget(emu, 'Window 429');
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 10_000, status: 429 });
		const items = freshUsers(100);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target, { retryWindowMinutes: 0.05 }),
			items,
			continueOnFail: true,
		});

		expect(statusCounts(run)).toEqual({
			'errored: rate limited until the retry window ended': 100,
		});
		expect(run.metrics.rateLimited).toBeGreaterThanOrEqual(2);
		expect(run.metrics.error).toMatch(/"too many requests"/);
	});

	it('without "continue on fail" the node stops with the same explanation', async () => {
		const target = await createTarget(emu, 'Window stop');
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 10_000, status: 502 });
		const error = await executeExpectingError({
			credential: credentialFor(emu),
			parameters: toTarget(target, { retryWindowMinutes: 0.02 }),
			items: freshUsers(5),
		});
		expect(error.message).toMatch(
			/Pinterest kept answering with errors or not at all .*raise "Retry Window"/,
		);
		expect((error as Error & { description?: string }).description).toBe(
			'5 of 5 users were not synced (Pinterest unavailable until the retry window ended).',
		);
	});

	it('some users synced before the window ran out keep their status; the rest are Errored', async () => {
		const target = await createTarget(emu, 'Window partial');
		// The first request is accepted, every later one fails until the window ends.
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 1, kind: 'hang', hangMs: 0 });
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 10_000, status: 500 });
		const items = freshUsers(4000);
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: toTarget(target, { retryWindowMinutes: 0.02, batchSize: 1000 }),
			items,
			continueOnFail: true,
		});
		expect(statusCounts(run)).toEqual({
			synced: 1000,
			'errored: Pinterest unavailable until the retry window ended': 3000,
		});
		expect(statusOf(run, 0)).toEqual({ status: 'synced' });
		expect(statusOf(run, 3999).status).toBe('errored');
		expectAllHeld(emu, target.customerListId, items.slice(0, 1000));
		expect(emu.listRecords(emu.demo.adAccountId, target.customerListId).size).toBe(1001);
	});
});
