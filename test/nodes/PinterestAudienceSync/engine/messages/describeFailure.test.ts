/**
 * The one mapping from a failed Pinterest call to the marketer's message, for the three kinds of caller:
 * Sync Users (an audience to sync to), the audience operations (an audience or seed audience, no "Create
 * New Audience" to offer) and the list searches (an ad account, or none).
 */
import { PinterestApiError } from '../../../../../nodes/PinterestAudienceSync/engine/pinterest';
import type { FailureContext } from '../../../../../nodes/PinterestAudienceSync/engine/messages';
import { describeFailure } from '../../../../../nodes/PinterestAudienceSync/engine/messages';
import { RetryWindowEnded } from '../../../../../nodes/PinterestAudienceSync/engine/requests';

const SYNC: FailureContext = {
	adAccountId: '549755885175',
	audienceId: '2542620639259',
	audienceName: 'Newsletter',
	retryWindowMs: 15 * 60_000,
};
const SEED: FailureContext = {
	adAccountId: '549755885175',
	role: 'seed audience',
	audienceId: '2542620639259',
	offersCreateNew: false,
};
const AD_ACCOUNT_SEARCH: FailureContext = { adAccountId: '549755885175' };

const answered = (status: number, pinterestMessage?: string) =>
	new PinterestApiError(`Pinterest answered ${status}`, { status, pinterestMessage });

describe('describeFailure', () => {
	it.each([
		[
			'a missing audience, where Sync Users can create one',
			answered(404),
			SYNC,
			'Audience "Newsletter" (ID 2542620639259) was not found in ad account 549755885175; it may have been deleted on Pinterest. Pick another audience, or choose "Create New Audience".',
		],
		[
			'a missing seed audience, where nothing can be created',
			answered(404),
			SEED,
			'Seed audience 2542620639259 was not found in ad account 549755885175; it may have been deleted on Pinterest. Pick another audience.',
		],
		[
			'a missing ad account, when the call was about the ad account only',
			answered(404),
			AD_ACCOUNT_SEARCH,
			'Pinterest does not know ad account 549755885175 (deleted, or not shared with the connected user). Pick another ad account.',
		],
		[
			'a missing ad account, as Pinterest says',
			answered(404, 'Ad account not found.'),
			SYNC,
			'Pinterest does not know ad account 549755885175 (deleted, or not shared with the connected user). Pick another ad account.',
		],
		[
			'a rejected connection',
			answered(401),
			AD_ACCOUNT_SEARCH,
			'Pinterest rejected the connection\'s access to ad account 549755885175: the token was revoked or can no longer be refreshed. Reconnect the Pinterest credential in n8n (open the credential and click "Reconnect"), then run the workflow again.',
		],
		[
			'a refused request, with what Pinterest said about its shape',
			answered(400, 'Invalid list_type.'),
			SEED,
			"Pinterest refused the request for seed audience 2542620639259 in ad account 549755885175: Invalid list_type. Check the node's settings.",
		],
		[
			'rate limiting',
			answered(429),
			AD_ACCOUNT_SEARCH,
			'Pinterest kept answering "too many requests" for ad account 549755885175. Wait a minute and run the workflow again.',
		],
		[
			'a network failure',
			new PinterestApiError('Pinterest could not be reached (reset)', { network: 'reset' }),
			SYNC,
			'Pinterest could not be reached for audience "Newsletter" (ID 2542620639259) in ad account 549755885175 (reset). Run the workflow again later.',
		],
		[
			'a retry window that ended in 429s',
			new RetryWindowEnded(answered(429)),
			SYNC,
			'Pinterest kept answering "too many requests" for 15 minutes while syncing to audience "Newsletter" (ID 2542620639259) in ad account 549755885175, so these users were not synced. Run the workflow again later, or raise "Retry Window" in the node\'s options.',
		],
	])('names %s', (_, error, context, message) => {
		expect(describeFailure(error, context).message).toBe(message);
	});

	it('gives the same words to every caller about the same ad account', () => {
		const forbidden = answered(403);
		const messages = [SYNC, SEED, AD_ACCOUNT_SEARCH].map(
			(context) => describeFailure(forbidden, context).message,
		);

		expect(new Set(messages)).toEqual(
			new Set([
				'The connected Pinterest user may not manage audiences in ad account 549755885175. Ask an owner of the ad account for the Owner, Admin or Audience Manager role, or pick another ad account.',
			]),
		);
	});
});
