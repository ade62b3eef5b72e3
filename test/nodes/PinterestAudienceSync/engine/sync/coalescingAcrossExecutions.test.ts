/**
 * Coalescing across executions, end to end through the node's execute() against the
 * running emulator: many concurrent executions of one to three users each.
 */
import { createHash } from 'node:crypto';

import axios from 'axios';
import type { INodeExecutionData } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import type { NodeRun } from '../../../../helpers/nodeRunner';
import {
	credentialFor,
	emailItems,
	runNode,
	statusOf,
	syncParameters,
} from '../../../../helpers/nodeRunner';
import { createExecuteContext, wrapHttpHelpers } from '../../../../helpers/n8nContext';
import { PinterestAudienceSync } from '../../../../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';

const ACCOUNT = '549755885175';
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let emu: Emulator;
let audienceCounter = 0;

beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

interface Audience {
	audienceId: string;
	listId: string;
	/** The email the audience was created with. */
	seed: string;
}

async function newAudience(label: string): Promise<Audience> {
	const seed = `seed-${label}-${++audienceCounter}@example.com`;
	const run = await runNode({
		credential: credentialFor(emu),
		parameters: syncParameters({
			audienceName: `Coalescing ${label} ${audienceCounter} ${Date.now()}`,
		}),
		items: [{ json: { email: seed } }],
	});
	return {
		audienceId: run.metrics.audienceId as string,
		listId: run.metrics.customerListId as string,
		seed,
	};
}

function existing(
	audience: Audience,
	options: Record<string, unknown>,
	overrides: Record<string, unknown> = {},
) {
	return syncParameters({
		audienceMode: 'existing',
		audience: { __rl: true, mode: 'id', value: audience.audienceId },
		options,
		...overrides,
	});
}

function items(emails: string[]): INodeExecutionData[] {
	return emails.map((email) => ({ json: { email } }));
}

function patchesTo(listId: string) {
	return emu.log.filter(
		(e) => e.method === 'PATCH' && e.path.endsWith(`/customer_lists/${listId}`) && e.status < 300,
	);
}

function expectAllSynced(run: NodeRun, count: number): void {
	expect(run.metrics.usersSynced).toBe(count);
	for (let i = 0; i < count; i++) expect(statusOf(run, i)).toEqual({ status: 'synced' });
}

/** A deterministic pseudo-random sequence, so that a failure can be replayed. */
function prng(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

interface Execution {
	audience: Audience;
	emails: string[];
}

/** 1–3 users each, drawn from a shared pool (so executions share addresses), to one of the audiences. */
function smallExecutions(count: number, audiences: Audience[], seed: number): Execution[] {
	const random = prng(seed);
	const pool = Array.from(
		{ length: Math.ceil(count * 1.5) },
		(_, i) => `Pool${seed}-${i}@Example.com`,
	);
	return Array.from({ length: count }, () => {
		const size = 1 + Math.floor(random() * 3);
		const emails = new Set<string>();
		while (emails.size < size) emails.add(pool[Math.floor(random() * pool.length)]);
		// Case and spaces differ between executions; the records do not.
		return {
			audience: audiences[Math.floor(random() * audiences.length)],
			emails: [...emails].map((e) => (random() < 0.5 ? ` ${e.toLowerCase()}` : e)),
		};
	});
}

const recordOf = (email: string) => sha(email.trim().toLowerCase());

describe('Coalescing across executions', () => {
	it('sends 200 concurrent small executions to two lists as one request per list, each execution accounting exactly its own users', async () => {
		const audiences = [await newAudience('A'), await newAudience('B')];
		const executions = smallExecutions(200, audiences, 11);
		// Top each list up to exactly one full request with one more execution: with a 60 s window,
		// a request leaves only when 1,900 records wait, so each list gets exactly one.
		for (const audience of audiences) {
			const held = executions
				.filter((e) => e.audience === audience)
				.reduce((n, e) => n + new Set(e.emails.map(recordOf)).size, 0);
			const filler = Array.from(
				{ length: 1900 - held },
				(_, i) => `filler-${audience.listId}-${i}@example.com`,
			);
			executions.splice(Math.floor(executions.length / 2), 0, { audience, emails: filler });
		}

		const runs = await Promise.all(
			executions.map((e) =>
				runNode({
					credential: credentialFor(emu),
					parameters: existing(e.audience, { flushWindowSeconds: 60, writeStatus: true }),
					items: items(e.emails),
				}),
			),
		);

		runs.forEach((run, k) => {
			expectAllSynced(run, executions[k].emails.length);
			// Each execution accounts its own records once, though they travelled with everyone else's.
			expect(run.metrics.recordsSent).toBe(new Set(executions[k].emails.map(recordOf)).size);
		});
		for (const audience of audiences) {
			const sent = executions
				.filter((e) => e.audience === audience)
				.flatMap((e) => e.emails.map(recordOf));
			const patches = patchesTo(audience.listId);
			expect(patches).toHaveLength(1);
			// Addresses shared by several executions travel once.
			expect(patches[0].recordCount).toBe(new Set(sent).size);
			expect(new Set(emu.listRecords(ACCOUNT, audience.listId))).toEqual(
				new Set([recordOf(audience.seed), ...sent]),
			);
		}
	}, 120_000);

	it('keeps requests within ceil(records / 1,900) plus one per flush window, with a short window', async () => {
		const audiences = [await newAudience('C'), await newAudience('D')];
		const executions = smallExecutions(200, audiences, 23);
		const flushWindowSeconds = 0.3;
		const started = Date.now();
		const runs = await Promise.all(
			executions.map((e) =>
				runNode({
					credential: credentialFor(emu),
					parameters: existing(e.audience, { flushWindowSeconds, writeStatus: true }),
					items: items(e.emails),
				}),
			),
		);
		const elapsedMs = Date.now() - started;

		runs.forEach((run, k) => {
			expectAllSynced(run, executions[k].emails.length);
			expect(run.metrics.requests as number).toBeGreaterThanOrEqual(1);
		});
		for (const audience of audiences) {
			const mine = executions.filter((e) => e.audience === audience);
			const records = mine.reduce((n, e) => n + new Set(e.emails.map(recordOf)).size, 0);
			// Full requests, plus at most one partial request per elapsed flush window.
			const bound =
				Math.floor(records / 1900) + Math.floor(elapsedMs / (flushWindowSeconds * 1000)) + 1;
			const patches = patchesTo(audience.listId);
			expect(patches.length).toBeGreaterThanOrEqual(1);
			expect(patches.length).toBeLessThanOrEqual(bound);
			expect(patches.length).toBeLessThan(mine.length);
			const sent = mine.flatMap((e) => e.emails.map(recordOf));
			expect(new Set(emu.listRecords(ACCOUNT, audience.listId))).toEqual(
				new Set([recordOf(audience.seed), ...sent]),
			);
		}
	}, 120_000);

	it('never mixes additions and removals, and never mixes lists', async () => {
		const [audience, other] = [await newAudience('E'), await newAudience('F')];
		const stay = ['stay1@example.com', 'stay2@example.com'];
		const leave = ['leave1@example.com', 'leave2@example.com', 'leave3@example.com'];
		await runNode({
			credential: credentialFor(emu),
			parameters: existing(audience, { flushWindowSeconds: 0 }),
			items: items([...stay, ...leave]),
		});

		const options = { flushWindowSeconds: 0.5, writeStatus: true };
		const runs = await Promise.all([
			...leave.map((email) =>
				runNode({
					credential: credentialFor(emu),
					parameters: existing(audience, options, { action: 'remove' }),
					items: items([email]),
				}),
			),
			...['new1@example.com', 'new2@example.com'].map((email) =>
				runNode({
					credential: credentialFor(emu),
					parameters: existing(audience, options),
					items: items([email]),
				}),
			),
			runNode({
				credential: credentialFor(emu),
				parameters: existing(other, options),
				items: items(['leave1@example.com']),
			}),
		]);

		for (const run of runs) expectAllSynced(run, 1);
		expect(new Set(emu.listRecords(ACCOUNT, audience.listId))).toEqual(
			new Set([audience.seed, ...stay, 'new1@example.com', 'new2@example.com'].map(recordOf)),
		);
		expect(new Set(emu.listRecords(ACCOUNT, other.listId))).toEqual(
			new Set([other.seed, 'leave1@example.com'].map(recordOf)),
		);
	}, 60_000);

	it('does not lose the other executions’ users when one execution is cancelled', async () => {
		const audience = await newAudience('G');
		const executions = smallExecutions(30, [audience], 31);
		const held = executions.reduce((n, e) => n + new Set(e.emails.map(recordOf)).size, 0);
		executions.push({
			audience,
			emails: Array.from({ length: 1900 - held }, (_, i) => `cancel-filler-${i}@example.com`),
		});
		const cancel = new AbortController();
		// No retries: a request sent through the cancelled execution would fail its users for good.
		const options = { flushWindowSeconds: 60, retryWindowMinutes: 0, writeStatus: true };

		// Like n8n's HTTP helpers with the execution's abort signal attached: once cancelled (here right
		// after its audience lookup, before its users are held) every request it starts is aborted.
		const [cancelledUsers, ...rest] = executions;
		const context = createExecuteContext({
			credential: credentialFor(emu),
			parameters: existing(audience, options),
			items: items(cancelledUsers.emails),
			cancelSignal: cancel.signal,
		});
		wrapHttpHelpers(context, async (original, args) => {
			if (cancel.signal.aborted) throw new axios.CanceledError('canceled');
			const result = await original(...args);
			if (String((args[args.length - 1] as { url?: string }).url).includes('/audiences/'))
				cancel.abort();
			return result;
		});
		// The others start beside it, so its users are held (they have company) and, held first, they lead
		// the coalesced request.
		const cancelled = new PinterestAudienceSync().execute.call(context);
		const runs = rest.map((e) =>
			runNode({
				credential: credentialFor(emu),
				parameters: existing(audience, options),
				items: items(e.emails),
			}),
		);
		const [settled] = await Promise.all([
			Promise.allSettled(runs),
			cancelled.catch(() => undefined),
		]);

		settled.forEach((outcome, k) => {
			expect(outcome.status).toBe('fulfilled');
			expectAllSynced((outcome as PromiseFulfilledResult<NodeRun>).value, rest[k].emails.length);
		});
		expect(cancel.signal.aborted).toBe(true);
		const others = rest.flatMap((e) => e.emails.map(recordOf));
		const list = emu.listRecords(ACCOUNT, audience.listId);
		for (const record of others) expect(list.has(record)).toBe(true);
		expect(patchesTo(audience.listId)).toHaveLength(1);
	}, 120_000);

	it('flushes a lone user after a short flush window', async () => {
		const audience = await newAudience('H');
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: existing(audience, { flushWindowSeconds: 0.2, writeStatus: true }),
			items: emailItems(1, 700_000),
		});
		expectAllSynced(run, 1);
		expect(patchesTo(audience.listId).map((e) => e.recordCount)).toEqual([1]);
	});
});

describe('Waiting only for company', () => {
	// The longest window there is: a user held for company would outlast each test's budget (30 s), so a
	// hold cannot go unnoticed.
	const WINDOW = 60;
	const BUDGET_MS = 30_000;
	let timers: jest.SpyInstance;
	beforeEach(() => {
		timers = jest.spyOn(global, 'setTimeout');
	});
	afterEach(() => timers.mockRestore());
	const flushTimersArmed = () =>
		timers.mock.calls.filter(([, delay]) => delay === WINDOW * 1000).length;

	it(
		'sends each of ten rounds of one execution (Loop Over Items) at once, one request each, arming no flush timer',
		async () => {
			const audience = await newAudience('Loop');
			const since = patchesTo(audience.listId).length;
			for (let round = 0; round < 10; round++) {
				const run = await runNode({
					credential: credentialFor(emu),
					executionId: 'loop-over-items',
					parameters: existing(audience, { flushWindowSeconds: WINDOW, writeStatus: true }),
					items: emailItems(10, 750_000 + round * 10),
				});
				expectAllSynced(run, 10);
			}
			expect(
				patchesTo(audience.listId)
					.slice(since)
					.map((e) => e.recordCount),
			).toEqual(Array(10).fill(10));
			expect(flushTimersArmed()).toBe(0);
		},
		BUDGET_MS,
	);

	it(
		'sends a lone execution, and executions one after another (a sub-workflow per batch), at once',
		async () => {
			const audience = await newAudience('Lone');
			const since = patchesTo(audience.listId).length;
			for (const size of [1, 10, 500]) {
				const run = await runNode({
					credential: credentialFor(emu),
					parameters: existing(audience, { flushWindowSeconds: WINDOW, writeStatus: true }),
					items: emailItems(size, 760_000 + size),
				});
				expectAllSynced(run, size);
			}
			expect(
				patchesTo(audience.listId)
					.slice(since)
					.map((e) => e.recordCount),
			).toEqual([1, 10, 500]);
			expect(flushTimersArmed()).toBe(0);
		},
		BUDGET_MS,
	);

	it(
		"holds an execution that has company, and sends it when a loop's next round arrives",
		async () => {
			const audience = await newAudience('Rounds');
			const options = { flushWindowSeconds: WINDOW, writeStatus: true };
			const round = (k: number) =>
				runNode({
					credential: credentialFor(emu),
					executionId: 'a-loop',
					parameters: existing(audience, options),
					items: emailItems(5, 770_000 + k * 5),
				});
			expectAllSynced(await round(0), 5);
			const since = patchesTo(audience.listId).length;
			// A webhook call and the loop's second round, side by side: the call waits for company, the round
			// never waits (its execution sent to this list moments ago) and takes the call's user along.
			const [call, second] = await Promise.all([
				runNode({
					credential: credentialFor(emu),
					parameters: existing(audience, options),
					items: emailItems(1, 779_000),
				}),
				round(1),
			]);
			expectAllSynced(call, 1);
			expectAllSynced(second, 5);
			expect(
				patchesTo(audience.listId)
					.slice(since)
					.map((e) => e.recordCount),
			).toEqual([6]);
			expect(flushTimersArmed()).toBe(1);
		},
		BUDGET_MS,
	);
});

describe('Audience lookups across executions', () => {
	const lookupsOf = (audience: Audience, since: number) =>
		emu.log
			.slice(since)
			.filter((e) => e.method === 'GET' && e.path.endsWith(`/audiences/${audience.audienceId}`));

	it('looks the audience up once for executions that overlap, and again once they have all finished', async () => {
		const audience = await newAudience('J');
		const since = emu.log.length;
		const options = { flushWindowSeconds: 0.3, writeStatus: true };
		const runs = await Promise.all(
			Array.from({ length: 200 }, (_, k) =>
				runNode({
					credential: credentialFor(emu),
					parameters: existing(audience, options),
					items: emailItems(1, 730_000 + k),
				}),
			),
		);
		runs.forEach((run) => expectAllSynced(run, 1));
		expect(lookupsOf(audience, since)).toHaveLength(1);

		const later = await runNode({
			credential: credentialFor(emu),
			parameters: existing(audience, options),
			items: emailItems(1, 731_000),
		});
		expectAllSynced(later, 1);
		expect(lookupsOf(audience, since)).toHaveLength(2);
	}, 60_000);

	it("does not pass one execution's failed lookup on to the executions that joined it", async () => {
		const audience = await newAudience('K');
		const since = emu.log.length;
		const cancel = new AbortController();
		// No retries: the cancelled execution's lookup fails for good as soon as its answer is aborted.
		const options = { flushWindowSeconds: 0.3, retryWindowMinutes: 0, writeStatus: true };
		const context = createExecuteContext({
			credential: credentialFor(emu),
			parameters: existing(audience, options),
			items: emailItems(1, 740_000),
			cancelSignal: cancel.signal,
		});
		wrapHttpHelpers(context, async (original, args) => {
			await original(...args);
			// Cancelled while its lookup was on the wire: n8n aborts the request, the answer is lost.
			cancel.abort();
			throw new axios.CanceledError('canceled');
		});
		const cancelled = new PinterestAudienceSync().execute.call(context);
		const others = Array.from({ length: 20 }, (_, k) =>
			runNode({
				credential: credentialFor(emu),
				parameters: existing(audience, options),
				items: emailItems(1, 741_000 + k),
			}),
		);
		await expect(cancelled).rejects.toThrow();
		for (const run of await Promise.all(others)) expectAllSynced(run, 1);
		// The cancelled execution's lookup, then one more shared by the executions that had joined it.
		expect(lookupsOf(audience, since)).toHaveLength(2);
	});
});
