/**
 * Update Audience against the running emulator over real HTTP: name, description and an Actalike's
 * percentage with Pinterest's PATCH UPDATE, only what differs, launch validation and the errors a
 * marketer sees.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { audienceNamed, byId, operationError, requestsSince, runOperation } from './audienceRun';

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

const ACME = '549755885175';

const updateParameters = (audienceId: string, updateFields: Record<string, unknown>) => ({
	operation: 'updateAudience',
	adAccount: byId(ACME),
	audience: byId(audienceId),
	updateFields,
});

const patchesSince = (since: number) =>
	requestsSince(emu, since).filter((request) => request.startsWith('PATCH'));

describe('Update Audience', () => {
	it('renames an audience and changes its description with one PATCH UPDATE', async () => {
		const id = audienceNamed(emu, ACME, 'Trial users');
		const since = emu.log.length;

		const [item, ...rest] = await runOperation(emu, {
			parameters: updateParameters(id, { name: 'Trialists', description: 'From the trial form' }),
		});

		expect(rest).toEqual([]);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toMatchObject({
			id,
			name: 'Trialists',
			description: 'From the trial form',
			type: 'CUSTOMER_LIST',
			adAccountId: ACME,
			changed: ['name', 'description'],
			previousName: 'Trial users',
		});
		expect(patchesSince(since)).toEqual([`PATCH /v5/ad_accounts/${ACME}/audiences/${id}`]);
		const patch = emu.log.filter((entry) => entry.method === 'PATCH').pop();
		expect(patch?.category).toBe('ads_write');
		expect(emu.findAudiences(ACME, 'Trialists')).toHaveLength(1);
	});

	it('sends no write when nothing differs, so a re-run changes nothing', async () => {
		const id = audienceNamed(emu, ACME, 'Trialists');
		const since = emu.log.length;

		const [item] = await runOperation(emu, {
			parameters: updateParameters(id, { name: 'Trialists', description: 'From the trial form' }),
		});

		expect(item.json).toMatchObject({ id, name: 'Trialists', changed: [] });
		expect(patchesSince(since)).toEqual([]);
	});

	it("changes an Actalike audience's percentage, keeping its seed audience and country", async () => {
		const id = audienceNamed(emu, ACME, 'Newsletter lookalike – 5% US');
		const before = emu.findAudiences(ACME, 'Newsletter lookalike – 5% US')[0].rule;

		const [item] = await runOperation(emu, { parameters: updateParameters(id, { percentage: 3 }) });

		expect(item.json).toMatchObject({ id, type: 'ACTALIKE', changed: ['percentage'] });
		expect(emu.findAudiences(ACME, 'Newsletter lookalike – 5% US')[0].rule).toEqual({
			...before,
			percentage: 3,
		});
	});

	it('refuses a percentage for an audience that is not an Actalike audience, before writing', async () => {
		const id = audienceNamed(emu, ACME, 'Newsletter subscribers');
		const since = emu.log.length;

		const error = await operationError(emu, {
			parameters: updateParameters(id, { percentage: 3 }),
		});

		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe(
			'Audience "Newsletter subscribers" is a CUSTOMER_LIST audience, which has no percentage',
		);
		expect(patchesSince(since)).toEqual([]);
	});

	it('refuses an item with nothing to update or an empty name before any call', async () => {
		const id = audienceNamed(emu, ACME, 'Newsletter subscribers');
		const since = emu.log.length;

		const nothing = await operationError(emu, { parameters: updateParameters(id, {}) });
		const emptyName = await operationError(emu, {
			parameters: updateParameters(id, { name: '  ' }),
		});

		expect(nothing.message).toBe('Nothing to update');
		expect(emptyName.message).toBe('The new audience name is empty');
		expect(requestsSince(emu, since)).toEqual([]);
	});

	it('updates per item, and with "On Error: Continue" an unknown audience is its own item', async () => {
		const visitors = audienceNamed(emu, ACME, 'Site visitors – 30 days');
		const out = await runOperation(emu, {
			parameters: {
				operation: 'updateAudience',
				adAccount: byId(ACME),
				audience: '={{ $json.audienceId }}',
				updateFields: { description: 'Visited in the last 30 days' },
			},
			items: [{ json: { audienceId: visitors } }, { json: { audienceId: '123456789012' } }],
			continueOnFail: true,
		});

		expect(out.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(out[0].json).toMatchObject({ id: visitors, description: 'Visited in the last 30 days' });
		expect(out[1].json.error).toBe(
			`Audience 123456789012 was not found in ad account ${ACME}; it may have been deleted on Pinterest. Pick another audience.`,
		);
	});

	it('fails with the marketer message when the audience is gone', async () => {
		const error = await operationError(emu, {
			parameters: updateParameters('123456789012', { name: 'x' }),
		});

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toMatch(/^Audience 123456789012 was not found in ad account/);
	});
});
