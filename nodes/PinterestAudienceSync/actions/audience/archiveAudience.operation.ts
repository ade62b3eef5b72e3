import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { PinterestApiError } from '../../engine/pinterest';
import type { PinterestAudience } from '../../engine/pinterest';
import { apiRequest, assertAudienceEnvironment, outputPerAudience, readAudience } from './common';

import { anyAudienceRLC } from '../../descriptions/rlc.description';
import { operationParameters } from '../node.type';

export const ARCHIVE_NOTICE =
	'Archiving removes the audience from use in ads (Pinterest calls it "remove"). n8n cannot bring an archived audience back.';

export const description = operationParameters('archiveAudience', [
	{
		displayName: ARCHIVE_NOTICE,
		name: 'archiveNotice',
		type: 'notice',
		default: '',
	},
	{ ...anyAudienceRLC, description: 'The audience to archive' },
]);

/** Whether a GET answered that the audience is gone (archived): the REMOVE was applied. */
async function isGone(
	context: IExecuteFunctions,
	adAccountId: string,
	audienceId: string,
): Promise<boolean> {
	try {
		await readAudience(context, adAccountId, audienceId);
		return false;
	} catch (error) {
		return error instanceof PinterestApiError && error.status === 404;
	}
}

/**
 * Reads the audience (its name for the output; a 404 here is "already archived"), then sends Pinterest's
 * REMOVE through the write limiter. When the answer to the REMOVE is lost, the audience is read again: if
 * it is gone, the REMOVE was applied and is not sent again (a second one would answer 404).
 */
async function archive(
	context: IExecuteFunctions,
	adAccountId: string,
	audienceId: string,
): Promise<IDataObject> {
	const audience = await readAudience(context, adAccountId, audienceId);
	await apiRequest<PinterestAudience>(
		context,
		'PATCH',
		`/ad_accounts/${adAccountId}/audiences/${audienceId}`,
		{
			body: { ad_account_id: adAccountId, operation_type: 'REMOVE' },
			write: true,
			findApplied: async () =>
				(await isGone(context, adAccountId, audienceId)) ? audience : undefined,
		},
	);
	return {
		id: audience.id ?? audienceId,
		name: audience.name ?? '',
		type: audience.audience_type ?? null,
		archived: true,
		adAccountId: audience.ad_account_id ?? adAccountId,
	};
}

/**
 * Archive Audience: per item, Pinterest's PATCH `operation_type: REMOVE` of an audience, with its name
 * and ID in the output. An audience already archived is that item's error (Pinterest answers 404), not
 * a crash; items naming the same audience share one archive.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	await assertAudienceEnvironment(this);
	return await outputPerAudience(
		this,
		items.length,
		(adAccountId, audienceId) => archive(this, adAccountId, audienceId),
		{ archiving: true },
	);
}
