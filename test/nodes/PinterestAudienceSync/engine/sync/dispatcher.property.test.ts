/**
 * Properties of the list dispatcher (concurrent executions' records for one list coalesced and cut
 * into batches), against the running emulator through the real transport: whatever executions bring,
 * whatever the batch size, flush window and faults, every record of every execution gets exactly one
 * outcome, no request carries more than the batch size, and the list ends up holding exactly the
 * records reported accepted.
 */
import { createHash } from 'node:crypto';
import axios from 'axios';
import fc from 'fast-check';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { AuthGate } from '../../../../../nodes/PinterestAudienceSync/engine/requests';
import { newCallStats } from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import type { PinterestClient } from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import { ListDispatcher } from '../../../../../nodes/PinterestAudienceSync/engine/sync';
import {
	InProcessStartLimiter,
	UserWriteLimiter,
} from '../../../../../nodes/PinterestAudienceSync/engine/rateLimit';
import { recordList } from '../../../../../nodes/PinterestAudienceSync/engine/users';
import { sleep } from '../../../../../nodes/PinterestAudienceSync/engine/coordination';
import { pinterestClientFor } from '../../../../../nodes/PinterestAudienceSync/transport';
import { createExecuteContext } from '../../../../helpers/n8nContext';
import { credentialFor } from '../../../../helpers/nodeRunner';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const POOL = Array.from({ length: 400 }, (_, i) => sha(`pool-${i}`));
const SEED = sha('seed');

let emu: Emulator;
let client: PinterestClient;
let listCounter = 0;

beforeAll(async () => {
	// The emulator's rate limits are off: this is about accounting, not pacing.
	emu = await startEmulator({ writesPerSecond: 0, requestsPerSecond: 0, readsPerMinute: 0 });
	client = pinterestClientFor(
		createExecuteContext({ credential: credentialFor(emu), parameters: {} }),
	);
});
afterAll(async () => {
	await emu.close();
});

async function newList(): Promise<string> {
	const response = await axios.post<{ id: string }>(
		`${emu.apiBaseUrl}/ad_accounts/${emu.demo.adAccountId}/customer_lists`,
		{ name: `Dispatcher property ${++listCounter}`, records: SEED, list_type: 'EMAIL' },
		{ headers: { Authorization: `Bearer ${emu.demo.accessToken}` } },
	);
	return response.data.id;
}

const contribution = fc.record({
	/** Unique records of one execution (prepareUsers gives unique records), drawn from a shared pool. */
	records: fc
		.uniqueArray(fc.nat({ max: POOL.length - 1 }), { maxLength: 150 })
		.map((ids) => ids.map((i) => POOL[i])),
	delayMs: fc.constantFrom(0, 0, 3, 12),
});
const fault = fc.record({
	status: fc.constantFrom(503, 429, 400, 404),
	count: fc.integer({ min: 1, max: 2 }),
});

interface Outcome {
	start: number;
	count: number;
	ok: boolean;
}

describe('ListDispatcher (property-based, against the emulator)', () => {
	it('gives every record exactly one outcome, keeps requests within the batch size, and the list matches the outcomes', async () => {
		await fc.assert(
			fc.asyncProperty(
				fc.array(contribution, { minLength: 1, maxLength: 6 }),
				fc.integer({ min: 1, max: 60 }),
				fc.constantFrom(0, 10),
				fc.constantFrom(0, 5000),
				fc.array(fault, { maxLength: 3 }),
				async (contributions, batchSize, flushWindowMs, retryWindowMs, faults) => {
					const customerListId = await newList();
					const path = `/customer_lists/${customerListId}`;
					for (const f of faults)
						emu.addFault({
							method: 'PATCH',
							path,
							status: f.status,
							count: f.count,
							headers: { 'retry-after': '0' },
						});
					const since = emu.log.length;
					const limiter = new UserWriteLimiter(
						new InProcessStartLimiter(`property-${customerListId}`, {
							minTime: 0,
							maxConcurrent: 1000,
						}),
						1000,
					);
					const dispatcher = new ListDispatcher(
						`property-${customerListId}`,
						{
							adAccountId: emu.demo.adAccountId,
							customerListId,
							operation: 'ADD',
							batchSize,
							flushWindowMs,
							retryWindowMs,
							requestTimeoutMs: 5000,
						},
						new AuthGate(),
						limiter,
						() => undefined,
					);

					const outcomes = contributions.map((): Outcome[] => []);
					await Promise.all(
						contributions.map(async (c, k) => {
							await sleep(c.delayMs);
							await dispatcher.submit({
								records: recordList(c.records),
								client,
								stats: newCallStats(),
								holdRemainder: c.records.length < batchSize,
								onOutcome: (start, count, outcome) =>
									outcomes[k].push({ start, count, ok: outcome.ok }),
							});
						}),
					);
					emu.clearFaults();

					const accepted = new Set<string>();
					contributions.forEach((c, k) => {
						// Exactly one outcome per record: the ranges tile [0, n).
						const ranges = [...outcomes[k]].sort((a, b) => a.start - b.start);
						let next = 0;
						for (const range of ranges) {
							expect(range.start).toBe(next);
							expect(range.count).toBeGreaterThan(0);
							next += range.count;
							if (range.ok)
								for (let i = range.start; i < range.start + range.count; i++)
									accepted.add(c.records[i]);
						}
						expect(next).toBe(c.records.length);
					});

					const patches = emu.log
						.slice(since)
						.filter((e) => e.method === 'PATCH' && e.path.endsWith(path));
					for (const patch of patches) expect(patch.recordCount).toBeLessThanOrEqual(batchSize);
					const held = new Set(emu.listRecords(emu.demo.adAccountId, customerListId));
					held.delete(SEED);
					expect([...held].sort()).toEqual([...accepted].sort());
				},
			),
			{ numRuns: 60 },
		);
	}, 60_000);
});
