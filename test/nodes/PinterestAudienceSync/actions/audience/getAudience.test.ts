/**
 * Get Audience against the running emulator over real HTTP: size and status, the customer list's
 * counters, the size explanation, per-item pairing and the errors a marketer sees.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { SIZE_EXPLANATION } from '../../../../../nodes/PinterestAudienceSync/actions/audience/common';
import { credentialFor, emailItems, runNode, syncParameters } from '../../../../helpers/nodeRunner';
import {
	audienceNamed,
	byId,
	operationError,
	requestsSince,
	runOperation,
	syncedAudience,
} from './audienceRun';

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

const getParameters = (audienceId: string, adAccountId = '549755885175') => ({
	operation: 'getAudience',
	adAccount: byId(adAccountId),
	audience: byId(audienceId),
});

describe('Get Audience', () => {
	it('shows the size, READY status and list counters of an audience with 120 synced users', async () => {
		const { audienceId, customerListId } = await syncedAudience(emu, 'Get: ready', 120);

		const [item, ...rest] = await runOperation(emu, { parameters: getParameters(audienceId) });

		expect(rest).toEqual([]);
		expect(item.pairedItem).toEqual({ item: 0 });
		expect(item.json).toEqual({
			id: audienceId,
			name: 'Get: ready',
			type: 'CUSTOMER_LIST',
			status: 'READY',
			size: 120,
			sizeShown: true,
			description: expect.any(String) as string,
			adAccountId: '549755885175',
			customerList: {
				id: customerListId,
				status: 'READY',
				batches: expect.any(Number) as number,
				uploaded: 120,
				removed: 0,
				exceptions: {},
			},
		});
		expect((item.json.customerList as { batches: number }).batches).toBeGreaterThanOrEqual(1);
		expect(item.json).not.toHaveProperty('explanation');
	});

	it('counts removed users in the list counters and the smaller size', async () => {
		const { audienceId } = await syncedAudience(emu, 'Get: after removal', 130);
		await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceMode: 'existing',
				audience: byId(audienceId),
				action: 'remove',
			}),
			items: emailItems(10),
		});

		const [item] = await runOperation(emu, { parameters: getParameters(audienceId) });

		expect(item.json).toMatchObject({ status: 'READY', size: 120, sizeShown: true });
		expect(item.json.customerList).toMatchObject({ uploaded: 130, removed: 10 });
		expect((item.json.customerList as { batches: number }).batches).toBeGreaterThanOrEqual(2);
	});

	it('explains why the size of an audience below 100 matched users is not shown', async () => {
		const { audienceId } = await syncedAudience(emu, 'Get: too small', 10);

		const [item] = await runOperation(emu, { parameters: getParameters(audienceId) });

		expect(item.json).toMatchObject({
			status: 'TOO_SMALL',
			size: null,
			sizeShown: false,
			explanation: SIZE_EXPLANATION,
		});
		expect(item.json.customerList).toMatchObject({ status: 'TOO_SMALL', uploaded: 10, removed: 0 });
		expect(SIZE_EXPLANATION).toBe(
			"Pinterest shows an audience's size once about 100 of its users are matched; sizes update within 24–48 hours.",
		);
	});

	it('reads a non-customer-list audience without a customer list', async () => {
		const visitorsId = audienceNamed(emu, '549755885175', 'Site visitors – 30 days');
		const since = emu.log.length;

		const [item] = await runOperation(emu, { parameters: getParameters(visitorsId) });

		expect(item.json).toMatchObject({
			id: visitorsId,
			type: 'VISITOR',
			status: 'READY',
			size: 12_000,
			sizeShown: true,
			customerList: null,
		});
		expect(requestsSince(emu, since)).toEqual([
			`GET /v5/ad_accounts/549755885175/audiences/${visitorsId}`,
		]);
	});

	it('answers each input item, paired to it, reading each audience once', async () => {
		const newsletterId = audienceNamed(emu, '549755885175', 'Newsletter subscribers');
		const trialId = audienceNamed(emu, '549755885175', 'Trial users');
		const since = emu.log.length;

		const out = await runOperation(emu, {
			parameters: { ...getParameters(''), audience: byId('={{ $json.audienceId }}') },
			items: [
				{ json: { audienceId: newsletterId } },
				{ json: { audienceId: trialId } },
				{ json: { audienceId: newsletterId } },
			],
		});

		expect(out.map((item) => [item.pairedItem, item.json.name, item.json.size])).toEqual([
			[{ item: 0 }, 'Newsletter subscribers', 150],
			[{ item: 1 }, 'Trial users', null],
			[{ item: 2 }, 'Newsletter subscribers', 150],
		]);
		expect(out[0].json).not.toBe(out[2].json);
		const audienceReads = requestsSince(emu, since).filter((request) =>
			request.includes('/audiences/'),
		);
		expect(audienceReads.sort()).toEqual(
			[
				`GET /v5/ad_accounts/549755885175/audiences/${newsletterId}`,
				`GET /v5/ad_accounts/549755885175/audiences/${trialId}`,
			].sort(),
		);
	});

	it('names the ad account and audience when the audience was deleted, and says to pick another', async () => {
		const { audienceId } = await syncedAudience(emu, 'Get: deleted', 5);
		emu.deleteAudience('549755885175', audienceId);

		const error = await operationError(emu, { parameters: getParameters(audienceId) });

		expect(error).toBeInstanceOf(NodeApiError);
		expect(error.message).toBe(
			`Audience ${audienceId} was not found in ad account 549755885175; it may have been deleted on Pinterest. Pick another audience.`,
		);
		expect(error.httpCode).toBe('404');
	});

	it('puts the error on the failing item and goes on with the others when continue-on-fail is on', async () => {
		const { audienceId: gone } = await syncedAudience(emu, 'Get: deleted 2', 5);
		emu.deleteAudience('549755885175', gone);
		const newsletterId = audienceNamed(emu, '549755885175', 'Newsletter subscribers');

		const out = await runOperation(emu, {
			parameters: { ...getParameters(''), audience: byId('={{ $json.id }}') },
			items: [{ json: { id: gone } }, { json: { id: newsletterId } }],
			continueOnFail: true,
		});

		expect(out).toEqual([
			{
				json: {
					error: `Audience ${gone} was not found in ad account 549755885175; it may have been deleted on Pinterest. Pick another audience.`,
				},
				pairedItem: { item: 0 },
			},
			expect.objectContaining({
				json: expect.objectContaining({ id: newsletterId, status: 'READY' }),
				pairedItem: { item: 1 },
			}),
		]);
	});

	it('says which ad account is unknown when the ad account is gone', async () => {
		const error = await operationError(emu, { parameters: getParameters('12345', '999999999') });
		expect(error.message).toBe(
			'Pinterest does not know ad account 999999999 (deleted, or not shared with the connected user). Pick another ad account.',
		);
	});

	it("says what to do when the connected user may not use another user's ad account", async () => {
		const error = await operationError(emu, {
			parameters: getParameters('12345', emu.demo.secondUserAdAccountId),
		});
		expect(error.message).toBe(
			`The connected Pinterest user may not manage audiences in ad account ${emu.demo.secondUserAdAccountId}. Ask an owner of the ad account for the Owner, Admin or Audience Manager role, or pick another ad account.`,
		);
	});

	it('rejects an audience ID that is not a Pinterest ID before calling Pinterest', async () => {
		const since = emu.log.length;
		const error = await operationError(emu, { parameters: getParameters('not-an-id') });
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe('"not-an-id" is not a valid audience ID');
		expect(requestsSince(emu, since)).toEqual([]);
	});

	it('refreshes an expired token once and answers', async () => {
		const newsletterId = audienceNamed(emu, '549755885175', 'Newsletter subscribers');
		const expired = emu.issueTokens(emu.demo.userId, { expired: true });
		const credential = credentialFor(emu);
		credential.oauthTokenData = { ...credential.oauthTokenData, ...expired };
		const recorder = { refreshes: 0 };

		const [item] = await runOperation(emu, {
			parameters: getParameters(newsletterId),
			credential,
			recorder,
		});

		expect(item.json).toMatchObject({ id: newsletterId, status: 'READY' });
		expect(recorder.refreshes).toBe(1);
	});

	it('retries a rate-limited read and answers', async () => {
		const newsletterId = audienceNamed(emu, '549755885175', 'Newsletter subscribers');
		emu.addFault({
			method: 'GET',
			path: `/audiences/${newsletterId}`,
			status: 429,
			count: 2,
			headers: { 'retry-after': '0' },
		});

		const [item] = await runOperation(emu, { parameters: getParameters(newsletterId) });

		expect(item.json).toMatchObject({ id: newsletterId, size: 150 });
	});

	it('refuses the sandbox, which has no audiences, before calling Pinterest', async () => {
		const since = emu.log.length;
		const error = await operationError(emu, {
			parameters: getParameters('12345'),
			credential: { ...credentialFor(emu), environment: 'sandbox' },
		});
		expect(error).toBeInstanceOf(NodeOperationError);
		expect(error.message).toBe("Pinterest's sandbox has no audiences or customer lists");
		expect(requestsSince(emu, since)).toEqual([]);
	});

	it("shows the errors Pinterest reports for the audience's customer list", async () => {
		const { audienceId, customerListId } = await syncedAudience(emu, 'Get: with errors', 5);
		const exceptions = { code: 2, message: 'Advertiser not found.' };
		emu.setCustomerListExceptions('549755885175', customerListId, exceptions);

		const [item] = await runOperation(emu, { parameters: getParameters(audienceId) });

		expect(item.json.customerList).toMatchObject({ id: customerListId, exceptions });
	});
});
