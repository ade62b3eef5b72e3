/**
 * Create Actalike Audience against the running emulator: validation before any call, one audience
 * per country, idempotent re-runs, a too-small or deleted seed, retries without duplicates.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { SIZE_EXPLANATION } from '../../../../../nodes/PinterestAudienceSync/actions/audience/common';
import { createExecuteContext } from '../../../../helpers/n8nContext';
import { credentialFor } from '../../../../helpers/nodeRunner';
import { PinterestAudienceSync } from '../../../../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import {
	audienceNamed,
	byId,
	operationError,
	requestsSince,
	runOperation,
	syncedAudience,
} from './audienceRun';

let emu: Emulator;
let newsletterId: string;
let trialId: string;
beforeAll(async () => {
	emu = await startEmulator();
	newsletterId = audienceNamed(emu, ACME, 'Newsletter subscribers');
	trialId = audienceNamed(emu, ACME, 'Trial users');
});
afterAll(async () => {
	await emu.close();
});

const ACME = '549755885175';
const CREATE = `POST /v5/ad_accounts/${ACME}/audiences`;

const actalikeParameters = (overrides: Record<string, unknown> = {}) => ({
	operation: 'createActalike',
	adAccount: byId(ACME),
	seedAudience: byId(newsletterId),
	actalikeName: 'Newsletter – Actalike',
	countries: ['US'],
	percentage: 5,
	...overrides,
});

/** Creates Pinterest accepted since `since` (a log length); rate-limited attempts do not count. */
const creates = (since: number) =>
	emu.log
		.slice(since)
		.filter((e) => `${e.method} ${e.path}` === CREATE && e.status >= 200 && e.status < 300).length;

/** Create attempts since `since`, whatever Pinterest answered. */
const createAttempts = (since: number) =>
	requestsSince(emu, since).filter((request) => request === CREATE).length;

describe('Create Actalike Audience', () => {
	it('creates one Actalike audience seeded from the seed audience', async () => {
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'VIP lookalike', percentage: 3 }),
		});

		expect(out).toEqual([
			{
				json: {
					id: expect.stringMatching(/^\d+$/) as string,
					name: 'VIP lookalike',
					type: 'ACTALIKE',
					status: 'INITIALIZING',
					size: null,
					sizeShown: false,
					explanation: SIZE_EXPLANATION,
					description: null,
					adAccountId: ACME,
					created: true,
					country: 'US',
					percentage: 3,
					seedAudienceId: newsletterId,
					seedAudienceName: 'Newsletter subscribers',
				},
				pairedItem: { item: 0 },
			},
		]);
		const [stored] = emu.findAudiences(ACME, 'VIP lookalike');
		expect(stored).toMatchObject({
			id: out[0].json.id,
			audience_type: 'ACTALIKE',
			rule: { seed_id: [newsletterId], country: 'US', percentage: 3 },
		});
		expect(creates(since)).toBe(1);
	});

	it('reads seed, name and percentage per item: each item makes its own Actalike, a bad seed fails only its item', async () => {
		const out = await runOperation(emu, {
			parameters: actalikeParameters({
				seedAudience: byId('={{ $json.seed }}'),
				actalikeName: '={{ $json.name }}',
				percentage: '={{ $json.pct }}',
			}),
			items: [
				{ json: { seed: newsletterId, name: 'Per item 2 %', pct: 2 } },
				{ json: { seed: trialId, name: 'Per item from trial', pct: 5 } },
				{ json: { seed: newsletterId, name: 'Per item 7 %', pct: 7 } },
			],
			continueOnFail: true,
		});

		expect(
			out.map((item) => [
				item.json.name,
				item.json.percentage,
				item.json.seedAudienceId,
				item.pairedItem,
			]),
		).toEqual([
			['Per item 2 %', 2, newsletterId, { item: 0 }],
			[undefined, undefined, undefined, { item: 1 }],
			['Per item 7 %', 7, newsletterId, { item: 2 }],
		]);
		expect(out[1].json.error).toMatch(/"Trial users".*too small/);
		expect(emu.findAudiences(ACME, 'Per item 2 %')).toHaveLength(1);
		expect(emu.findAudiences(ACME, 'Per item 7 %')).toHaveLength(1);
		expect(emu.findAudiences(ACME, 'Per item from trial')).toHaveLength(0);
	});

	it('returns the existing audience on a re-run instead of creating a duplicate', async () => {
		const first = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Re-run lookalike' }),
		});
		const since = emu.log.length;

		const again = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Re-run lookalike' }),
		});

		expect(again).toHaveLength(1);
		expect(again[0].json).toMatchObject({
			id: first[0].json.id,
			name: 'Re-run lookalike',
			created: false,
			country: 'US',
			percentage: 5,
		});
		expect(again[0].json).not.toHaveProperty('warning');
		expect(creates(since)).toBe(0);
		expect(emu.findAudiences(ACME, 'Re-run lookalike')).toHaveLength(1);
	});

	it('creates one audience per country, named after the country, and only the missing ones on a re-run', async () => {
		const first = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Multi', countries: ['US', 'GB'] }),
		});
		expect(first.map((item) => [item.json.name, item.json.country, item.json.created])).toEqual([
			['Multi (US)', 'US', true],
			['Multi (GB)', 'GB', true],
		]);
		expect(emu.findAudiences(ACME, 'Multi (GB)')[0].rule).toEqual({
			seed_id: [newsletterId],
			country: 'GB',
			percentage: 5,
		});
		const since = emu.log.length;

		const second = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Multi', countries: ['US', 'CA', 'GB'] }),
		});

		expect(second.map((item) => [item.json.name, item.json.created])).toEqual([
			['Multi (US)', false],
			['Multi (CA)', true],
			['Multi (GB)', false],
		]);
		expect(second[0].json.id).toBe(first[0].json.id);
		expect(second[2].json.id).toBe(first[1].json.id);
		expect(creates(since)).toBe(1);
		expect(emu.findAudiences(ACME).filter((a) => a.name.startsWith('Multi'))).toHaveLength(3);
	});

	it('keeps an existing audience of that name with other settings and says so', async () => {
		await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Changed settings' }),
		});

		const out = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Changed settings', percentage: 8 }),
		});

		expect(out[0].json).toMatchObject({ created: false, percentage: 5 });
		expect(out[0].json.warning).toBe(
			'An Actalike audience named "Changed settings" already exists with other settings (5 %); it was kept unchanged. Use another name to create a new one.',
		);
	});

	it('does not take a non-Actalike audience of the same name for the Actalike audience', async () => {
		const out = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Trial users' }),
		});
		expect(out[0].json).toMatchObject({ name: 'Trial users', type: 'ACTALIKE', created: true });
	});

	it('builds an Actalike audience from users the node has just synced', async () => {
		const { audienceId } = await syncedAudience(emu, 'Fresh buyers', 120);

		const out = await runOperation(emu, {
			parameters: actalikeParameters({
				seedAudience: byId(audienceId),
				actalikeName: 'Fresh buyers – Actalike',
				countries: ['CA'],
				percentage: 10,
			}),
		});

		expect(out[0].json).toMatchObject({
			created: true,
			seedAudienceId: audienceId,
			seedAudienceName: 'Fresh buyers',
			country: 'CA',
			percentage: 10,
		});
	});

	describe('validation before any call', () => {
		const rejects = async (overrides: Record<string, unknown>, message: string) => {
			const since = emu.log.length;
			const error = await operationError(emu, { parameters: actalikeParameters(overrides) });
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toBe(message);
			expect(requestsSince(emu, since)).toEqual([]);
			return error;
		};

		it.each([
			[0, 'Percentage must be a whole number from 1 to 10 (it is 0)'],
			[11, 'Percentage must be a whole number from 1 to 10 (it is 11)'],
			[2.5, 'Percentage must be a whole number from 1 to 10 (it is 2.5)'],
			['five', 'Percentage must be a whole number from 1 to 10 (it is five)'],
		])('rejects percentage %p', async (percentage, message) => {
			const error = await rejects({ percentage }, message);
			expect(error.description).toContain('1 % to 10 %');
		});

		it('rejects an empty list of countries', async () => {
			await rejects({ countries: [] }, 'No country is selected for the Actalike audience');
		});

		it('rejects a country Pinterest has no Actalike audiences for', async () => {
			await rejects(
				{ countries: ['US', 'FR'] },
				'Pinterest cannot build an Actalike audience for "FR"',
			);
		});

		it('rejects an empty or blank name', async () => {
			await rejects({ actalikeName: '   ' }, 'The Actalike audience has no name');
		});

		it('rejects a seed that is not a Pinterest ID', async () => {
			await rejects({ seedAudience: byId('') }, 'No seed audience is selected');
		});

		it('checks every item before the first call', async () => {
			const since = emu.log.length;
			const error = await operationError(emu, {
				parameters: actalikeParameters({
					actalikeName: 'Per item',
					percentage: '={{ $json.pct }}',
				}),
				items: [{ json: { pct: 5 } }, { json: { pct: 12 } }],
			});
			expect(error.message).toBe('Percentage must be a whole number from 1 to 10 (it is 12)');
			expect(requestsSince(emu, since)).toEqual([]);
		});

		it('reports invalid items and creates for the valid ones with continue-on-fail', async () => {
			const out = await runOperation(emu, {
				parameters: actalikeParameters({
					actalikeName: 'Continue on fail',
					percentage: '={{ $json.pct }}',
				}),
				items: [{ json: { pct: 12 } }, { json: { pct: 4 } }],
				continueOnFail: true,
			});
			expect(out).toEqual([
				{
					json: { error: 'Percentage must be a whole number from 1 to 10 (it is 12)' },
					pairedItem: { item: 0 },
				},
				expect.objectContaining({
					json: expect.objectContaining({ name: 'Continue on fail', percentage: 4, created: true }),
					pairedItem: { item: 1 },
				}),
			]);
		});
	});

	it('explains that a seed audience below 100 matched users is too small', async () => {
		const error = await operationError(emu, {
			parameters: actalikeParameters({
				seedAudience: byId(trialId),
				actalikeName: 'From trial users',
			}),
		});

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			`The seed audience "Trial users" (ID ${trialId}) is too small: Pinterest needs about 100 matched users before it can build an Actalike audience. Sync more users and try again in 24–48 hours.`,
		);
		expect(emu.findAudiences(ACME, 'From trial users')).toEqual([]);
	});

	it('says to pick another seed when the seed audience was deleted', async () => {
		const { audienceId } = await syncedAudience(emu, 'Soon deleted', 110);
		emu.deleteAudience(ACME, audienceId);
		const since = emu.log.length;

		const error = await operationError(emu, {
			parameters: actalikeParameters({ seedAudience: byId(audienceId), actalikeName: 'Orphan' }),
		});

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			`Seed audience ${audienceId} was not found in ad account ${ACME}; it may have been deleted on Pinterest. Pick another audience.`,
		);
		expect(creates(since)).toBe(0);
	});

	it('creates once for identical items and pairs the audience to each item', async () => {
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'Many items' }),
			items: [{ json: { n: 1 } }, { json: { n: 2 } }, { json: { n: 3 } }],
		});

		expect(out.map((item) => [item.pairedItem, item.json.name])).toEqual([
			[{ item: 0 }, 'Many items'],
			[{ item: 1 }, 'Many items'],
			[{ item: 2 }, 'Many items'],
		]);
		expect(new Set(out.map((item) => item.json.id)).size).toBe(1);
		expect(creates(since)).toBe(1);
	});

	it('creates one audience when two executions ask for the same one at once', async () => {
		const execution = async () =>
			await new PinterestAudienceSync().execute.call(
				createExecuteContext({
					credential: credentialFor(emu),
					parameters: actalikeParameters({ actalikeName: 'Concurrent' }),
					items: [{ json: {} }],
				}),
			);

		const [a, b] = await Promise.all([execution(), execution()]);

		expect(emu.findAudiences(ACME, 'Concurrent')).toHaveLength(1);
		expect([a[0][0].json.created, b[0][0].json.created].sort()).toEqual([false, true]);
		expect(a[0][0].json.id).toBe(b[0][0].json.id);
	});

	it('retries a create that Pinterest failed transiently, without a duplicate', async () => {
		emu.addFault({
			method: 'POST',
			path: `/v5/ad_accounts/${ACME}/audiences$`,
			status: 503,
			count: 2,
			headers: { 'retry-after': '0' },
		});
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: actalikeParameters({ actalikeName: 'After 503' }),
		});

		expect(out[0].json).toMatchObject({ name: 'After 503', created: true });
		expect(createAttempts(since)).toBeGreaterThanOrEqual(3);
		expect(creates(since)).toBe(1);
		expect(emu.findAudiences(ACME, 'After 503')).toHaveLength(1);
	});

	it('gives the new Actalike audience the description from the options', async () => {
		const out = await runOperation(emu, {
			parameters: actalikeParameters({
				actalikeName: 'Described actalike',
				options: { description: 'People like our newsletter subscribers' },
			}),
		});

		expect(out[0].json).toMatchObject({
			name: 'Described actalike',
			created: true,
			description: 'People like our newsletter subscribers',
		});
		expect(emu.findAudiences(ACME, 'Described actalike')[0].description).toBe(
			'People like our newsletter subscribers',
		);
	});
});
