import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { PinterestApiError } from '../../engine/errors';
import type { PinterestAudience, PinterestCustomerList } from '../../helpers/interfaces';
import { locatorValue, requirePinterestId } from '../parameters';
import {
	apiRequest,
	assertAudienceEnvironment,
	audienceSummary,
	outputPerItem,
	readAdAccountId,
	toNodeError,
} from './common';
import type { FailureSubject } from './common';

import { anyAudienceRLC } from '../../descriptions/rlc.description';
import { operationParameters } from '../node.type';

export const description = operationParameters('getAudience', [anyAudienceRLC]);

async function fetchAudience(
	context: IExecuteFunctions,
	subject: FailureSubject,
	adAccountId: string,
	audienceId: string,
): Promise<IDataObject> {
	const audience = await apiRequest<PinterestAudience>(
		context,
		'GET',
		`/ad_accounts/${adAccountId}/audiences/${audienceId}`,
	);
	const summary = audienceSummary(audience, adAccountId);
	const customerListId = audience.rule?.customer_list_id;
	if (audience.audience_type !== 'CUSTOMER_LIST' || typeof customerListId !== 'string') {
		summary.customerList = null;
		return summary;
	}
	try {
		const list = await apiRequest<PinterestCustomerList>(
			context,
			'GET',
			`/ad_accounts/${adAccountId}/customer_lists/${customerListId}`,
		);
		summary.customerList = {
			id: list.id ?? customerListId,
			status: list.status ?? null,
			batches: list.num_batches ?? 0,
			uploaded: list.num_uploaded_user_records ?? 0,
			removed: list.num_removed_user_records ?? 0,
		};
	} catch (error) {
		// The audience outlived its customer list: report the audience, without list counters.
		if (!(error instanceof PinterestApiError && error.status === 404))
			throw toNodeError(context, error, subject);
		summary.customerList = null;
	}
	return summary;
}

/**
 * Get Audience: one output item per input item with the audience's size, status and, for a
 * customer-list audience, its list counters. The same audience is read once per execution.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	await assertAudienceEnvironment(this);
	return await outputPerItem(this, items.length, async (i, subject, once) => {
		const adAccountId = readAdAccountId(this, i);
		subject.adAccountId = adAccountId;
		const audienceId = requirePinterestId(
			this,
			locatorValue(this, 'audience', i),
			'audience',
			'Pick an audience from the list or paste its ID.',
		);
		subject.audienceId = audienceId;
		return await once(`${adAccountId}/${audienceId}`, () =>
			fetchAudience(this, subject, adAccountId, audienceId),
		);
	});
}
