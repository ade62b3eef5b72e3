/**
 * Archive Audience against the running emulator over real HTTP: Pinterest's PATCH REMOVE through the
 * write path, name and ID in the output, an audience already archived as the item's error, and a
 * REMOVE whose answer was lost.
 */
import { NodeApiError } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { ARCHIVE_NOTICE } from '../../../../../nodes/PinterestAudienceSync/actions/audience/archiveAudience.operation';
import { nodeProperties } from '../../../../../nodes/PinterestAudienceSync/descriptions';
import { byId, operationError, requestsSince, runOperation, syncedAudience } from './audienceRun';

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

const ACME = '549755885175';

const archiveParameters = (audience: unknown) => ({
	operation: 'archiveAudience',
	adAccount: byId(ACME),
	audience,
});

const alreadyArchived = (id: string) =>
	`Audience ${id} was not found in ad account ${ACME}: it is already archived, or it was deleted or belongs to another ad account. Nothing was archived; check the audience ID, or leave it out.`;

describe('Archive Audience', () => {
	it('tells the editor plainly that archiving removes the audience from use in ads', () => {
		const notice = nodeProperties.find((property) => property.name === 'archiveNotice');
		expect(notice).toMatchObject({
			type: 'notice',
			displayName: ARCHIVE_NOTICE,
			displayOptions: { show: { operation: ['archiveAudience'] } },
		});
		expect(ARCHIVE_NOTICE).toMatch(/removes the audience from use in ads/);
	});

	it('archives with one PATCH REMOVE and outputs the name and ID', async () => {
		const { audienceId } = await syncedAudience(emu, 'Archive: test run', 3);
		const since = emu.log.length;

		const [item, ...rest] = await runOperation(emu, {
			parameters: archiveParameters(byId(audienceId)),
		});

		expect(rest).toEqual([]);
		expect(item).toEqual({
			json: {
				id: audienceId,
				name: 'Archive: test run',
				type: 'CUSTOMER_LIST',
				archived: true,
				adAccountId: ACME,
			},
			pairedItem: { item: 0 },
		});
		const path = `/v5/ad_accounts/${ACME}/audiences/${audienceId}`;
		expect(requestsSince(emu, since).filter((r) => r !== 'GET /v5/user_account')).toEqual([
			`GET ${path}`,
			`PATCH ${path}`,
		]);
		expect(emu.findAudiences(ACME, 'Archive: test run')).toEqual([]);
	});

	it('makes an audience already archived a clear error of its item, and archives the others', async () => {
		const first = await syncedAudience(emu, 'Archive: first', 2);
		const second = await syncedAudience(emu, 'Archive: second', 2);
		await runOperation(emu, { parameters: archiveParameters(byId(first.audienceId)) });

		const out = await runOperation(emu, {
			parameters: archiveParameters('={{ $json.id }}'),
			items: [{ json: { id: first.audienceId } }, { json: { id: second.audienceId } }],
			continueOnFail: true,
		});

		expect(out).toEqual([
			{ json: { error: alreadyArchived(first.audienceId) }, pairedItem: { item: 0 } },
			{
				json: expect.objectContaining({ id: second.audienceId, archived: true }) as object,
				pairedItem: { item: 1 },
			},
		]);
		const error = await operationError(emu, {
			parameters: archiveParameters(byId(first.audienceId)),
		});
		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(alreadyArchived(first.audienceId));
	});

	it('archives an audience named by several items once', async () => {
		const { audienceId } = await syncedAudience(emu, 'Archive: twice named', 2);
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: archiveParameters(byId(audienceId)),
			items: [{ json: {} }, { json: {} }],
		});

		expect(out.map((item) => [item.json.id, item.pairedItem])).toEqual([
			[audienceId, { item: 0 }],
			[audienceId, { item: 1 }],
		]);
		expect(requestsSince(emu, since).filter((r) => r.startsWith('PATCH'))).toHaveLength(1);
	});

	it('does not send the REMOVE again when its answer was lost but Pinterest applied it', async () => {
		const { audienceId } = await syncedAudience(emu, 'Archive: lost answer', 2);
		const path = `/ad_accounts/${ACME}/audiences/${audienceId}`;
		// The emulator applies the REMOVE, then answers 503 as if the answer was lost on the way.
		emu.addFault({ method: 'PATCH', path, count: 1, status: 503, applied: true });
		const since = emu.log.length;

		const [item] = await runOperation(emu, { parameters: archiveParameters(byId(audienceId)) });

		expect(item.json).toMatchObject({
			id: audienceId,
			name: 'Archive: lost answer',
			archived: true,
		});
		expect(requestsSince(emu, since).filter((r) => r.startsWith('PATCH'))).toHaveLength(1);
		expect(emu.findAudiences(ACME, 'Archive: lost answer')).toEqual([]);
	});
});
