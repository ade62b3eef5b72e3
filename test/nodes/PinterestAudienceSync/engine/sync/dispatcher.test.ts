/**
 * The coalescing dispatcher on its own, against the running emulator over real HTTP: contributions are
 * submitted directly so that the cut of every request is known in advance (no timing involved).
 */
import { createHash } from 'node:crypto';

import axios from 'axios';
import type { INodeExecutionData } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import type {
	BatchOutcome,
	CallStats,
	PinterestClient,
} from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import {
	classifyFailure,
	newCallStats,
} from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import type { DispatchSettings } from '../../../../../nodes/PinterestAudienceSync/engine/sync';
import { ListDispatcher } from '../../../../../nodes/PinterestAudienceSync/engine/sync';
import type { UserWriteLimiter } from '../../../../../nodes/PinterestAudienceSync/engine/rateLimit';
import { recordList } from '../../../../../nodes/PinterestAudienceSync/engine/users';
import { processRuntime } from '../../../../../nodes/PinterestAudienceSync/engine/runtime';
import { pinterestClientFor } from '../../../../../nodes/PinterestAudienceSync/transport';
import { createExecuteContext, wrapHttpHelpers } from '../../../../helpers/n8nContext';
import { credentialFor, emailItems, runNode, syncParameters } from '../../../../helpers/nodeRunner';

const ACCOUNT = '549755885175';
const CREDENTIAL_KEY = 'dispatcher-test';
const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let emu: Emulator;
let limiter: UserWriteLimiter;
let listCounter = 0;

beforeAll(async () => {
	emu = await startEmulator();
	limiter = processRuntime().writeLimiters.limiterFor(emu.demo.userId, 7);
});
afterAll(async () => {
	await emu.close();
});

/** A fresh customer list (created through the node with one seed user). */
async function newList(): Promise<string> {
	const run = await runNode({
		credential: credentialFor(emu),
		parameters: syncParameters({ audienceName: `Dispatcher ${++listCounter} ${Date.now()}` }),
		items: emailItems(1, 900_000 + listCounter),
	});
	return run.metrics.customerListId as string;
}

/**
 * The transport of one execution. A cancelled one behaves like n8n's HTTP helpers with the execution's
 * abort signal attached: every request it starts afterwards is aborted (axios `CanceledError`).
 */
function executionClient(cancel?: AbortController): PinterestClient {
	const context = createExecuteContext({
		credential: credentialFor(emu),
		credentialId: CREDENTIAL_KEY,
		parameters: {},
		cancelSignal: cancel?.signal,
	});
	if (cancel) {
		wrapHttpHelpers(context, async (original, args) => {
			if (cancel.signal.aborted) throw new axios.CanceledError('canceled');
			return await original(...args);
		});
	}
	return pinterestClientFor(context);
}

function settingsFor(listId: string, overrides: Partial<DispatchSettings> = {}): DispatchSettings {
	return {
		adAccountId: ACCOUNT,
		customerListId: listId,
		operation: 'ADD',
		batchSize: 50,
		flushWindowMs: 60_000,
		retryWindowMs: 60_000,
		requestTimeoutMs: 30_000,
		...overrides,
	};
}

function dispatcherFor(listId: string, overrides: Partial<DispatchSettings> = {}): ListDispatcher {
	return new ListDispatcher(
		`test|${listId}`,
		settingsFor(listId, overrides),
		processRuntime().authGates.gateFor(CREDENTIAL_KEY),
		limiter,
		() => undefined,
	);
}

/** One execution's part: its records, and every outcome reported for each of them. */
interface Part {
	records: string[];
	outcomes: BatchOutcome[][];
	slices: number;
	stats: CallStats;
}

function part(records: string[]): Part {
	return { records, outcomes: records.map(() => []), slices: 0, stats: newCallStats() };
}

function submit(
	dispatcher: ListDispatcher,
	p: Part,
	client: PinterestClient,
	holdRemainder = true,
): Promise<void> {
	return dispatcher.submit({
		records: recordList(p.records),
		client,
		stats: p.stats,
		holdRemainder,
		onOutcome: (start, count, outcome) => {
			p.slices++;
			for (let i = start; i < start + count; i++) p.outcomes[i].push(outcome);
		},
	});
}

function patchesTo(listId: string) {
	return emu.log.filter(
		(e) => e.method === 'PATCH' && e.path.endsWith(`/customer_lists/${listId}`),
	);
}

/** A deterministic pseudo-random sequence, so that a failure can be replayed. */
function prng(seed: number): () => number {
	let state = seed;
	return () => {
		state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
		return state / 2 ** 31;
	};
}

describe('ListDispatcher', () => {
	it('gathers 300 small executions into full requests and tells each exactly the outcome of its own records', async () => {
		const listId = await newList();
		const dispatcher = dispatcherFor(listId);
		const random = prng(7);
		const pool = Array.from({ length: 400 }, (_, i) => sha(`pool${i}@example.com`));
		const parts: Part[] = [];
		for (let e = 0; e < 300; e++) {
			const size = 1 + Math.floor(random() * 3);
			const records = new Set<string>();
			while (records.size < size) records.add(pool[Math.floor(random() * pool.length)]);
			parts.push(part([...records]));
		}
		// A large execution arriving last flushes whatever is still held.
		const large = part(Array.from({ length: 7 }, (_, i) => sha(`large${i}@example.com`)));
		const client = executionClient();
		const pending = parts.map((p) => submit(dispatcher, p, client));
		pending.push(submit(dispatcher, large, client, false));
		await Promise.all(pending);

		const all = [...parts, large];
		const total = all.reduce((n, p) => n + p.records.length, 0);
		for (const p of all) {
			for (const outcomes of p.outcomes) expect(outcomes).toEqual([{ ok: true }]);
			// One request per slice, plus its retries (the limiter keeps this at none or very few).
			expect(p.stats.requests).toBe(p.slices + p.stats.retries);
		}
		const patches = patchesTo(listId).filter((e) => e.status < 300);
		expect(patches).toHaveLength(Math.ceil(total / 50));
		// Executions sharing a record in one request send it once.
		for (const patch of patches) expect(patch.recordCount).toBeLessThanOrEqual(50);
		const union = new Set(all.flatMap((p) => p.records));
		expect(patches.reduce((n, e) => n + e.recordCount, 0)).toBeLessThan(total);
		const held = emu.listRecords(ACCOUNT, listId);
		for (const record of union) expect(held.has(record)).toBe(true);
		expect(held.size).toBe(union.size + 1);
	});

	it('sends a lone held record when its flush window ends', async () => {
		const listId = await newList();
		const dispatcher = dispatcherFor(listId, { flushWindowMs: 200 });
		const lone = part([sha('lone@example.com')]);
		await submit(dispatcher, lone, executionClient());
		expect(lone.outcomes).toEqual([[{ ok: true }]]);
		expect(patchesTo(listId).map((e) => e.recordCount)).toEqual([1]);
	});

	it('sends a coalesced request through an execution that is still running, not a cancelled one', async () => {
		const listId = await newList();
		// No retries: a request sent through the cancelled execution would fail for good.
		const dispatcher = dispatcherFor(listId, { retryWindowMs: 0 });
		const cancel = new AbortController();
		cancel.abort();
		const cancelled = part([sha('cancelled@example.com'), sha('shared@example.com')]);
		const running = part([sha('running@example.com'), sha('shared@example.com')]);
		const first = submit(dispatcher, cancelled, executionClient(cancel));
		const second = submit(dispatcher, running, executionClient(), false);
		await Promise.all([first, second]);

		expect(running.outcomes).toEqual([[{ ok: true }], [{ ok: true }]]);
		expect(cancelled.outcomes).toEqual([[{ ok: true }], [{ ok: true }]]);
		expect(patchesTo(listId).map((e) => e.recordCount)).toEqual([3]);
		expect(emu.listRecords(ACCOUNT, listId).has(sha('running@example.com'))).toBe(true);
	});

	it('reports a failed request only to the executions whose records it carried', async () => {
		const listId = await newList();
		const dispatcher = dispatcherFor(listId, { batchSize: 2 });
		emu.addFault({ method: 'PATCH', path: `/customer_lists/${listId}`, count: 1, status: 400 });
		const parts = [0, 1, 2].map((k) => part([sha(`a${k}@example.com`), sha(`b${k}@example.com`)]));
		const client = executionClient();
		await Promise.all(parts.map((p) => submit(dispatcher, p, client)));

		const [failed, ...succeeded] = parts;
		for (const outcomes of failed.outcomes) {
			expect(outcomes).toHaveLength(1);
			expect(outcomes[0].ok).toBe(false);
			expect(classifyFailure((outcomes[0] as { error: unknown }).error)).toBe('invalidRequest');
		}
		for (const p of succeeded)
			for (const outcomes of p.outcomes) expect(outcomes).toEqual([{ ok: true }]);
		const held = emu.listRecords(ACCOUNT, listId);
		expect(held.has(failed.records[0])).toBe(false);
		expect(held.has(succeeded[1].records[1])).toBe(true);
	});

	it('fails every waiting request of a vanished list without sending it, and tries again once idle', async () => {
		const listId = await newList();
		const dispatcher = dispatcherFor(listId, { batchSize: 2 });
		emu.addFault({ method: 'PATCH', path: `/customer_lists/${listId}`, count: 1, status: 404 });
		const parts = [0, 1, 2, 3].map((k) =>
			part([sha(`gone-a${k}@example.com`), sha(`gone-b${k}@example.com`)]),
		);
		const client = executionClient();
		await Promise.all(parts.map((p) => submit(dispatcher, p, client)));

		for (const p of parts) {
			for (const outcomes of p.outcomes) {
				expect(outcomes).toHaveLength(1);
				expect(classifyFailure((outcomes[0] as { error: unknown }).error)).toBe('notFound');
			}
		}
		expect(patchesTo(listId)).toHaveLength(1);

		const later = part([sha('later@example.com')]);
		await submit(dispatcher, later, client, false);
		expect(later.outcomes).toEqual([[{ ok: true }]]);
		expect(patchesTo(listId)).toHaveLength(2);
	});
});

describe('A large execution', () => {
	it('sends its first requests while its later users are still being read', async () => {
		const created = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: `Pipelined ${Date.now()}` }),
			items: emailItems(1, 950_000),
		});
		const listId = created.metrics.customerListId as string;
		const count = 40_000;
		const items: INodeExecutionData[] = emailItems(count - 1, 960_000);
		let writesWhenLastUserRead: number | undefined;
		// The last user's email is read through a getter: it notes how many writes the emulator had by then.
		items.push({
			json: {
				get email() {
					writesWhenLastUserRead ??= patchesTo(listId).length;
					return 'last-user@example.com';
				},
			},
		});
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceMode: 'existing',
				audience: { __rl: true, mode: 'id', value: created.metrics.audienceId },
			}),
			items,
		});
		expect(run.metrics.usersSynced).toBe(count);
		expect(patchesTo(listId).filter((e) => e.status < 300)).toHaveLength(Math.ceil(count / 1900));
		expect(writesWhenLastUserRead).toBeGreaterThanOrEqual(1);
	}, 60_000);
});
