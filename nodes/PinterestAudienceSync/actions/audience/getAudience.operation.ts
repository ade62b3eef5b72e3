import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import { PinterestApiError } from '../../engine/pinterest';
import {
	assertAudienceEnvironment,
	audienceSummary,
	outputPerAudience,
	readAudience,
	toNodeError,
} from './common';
import type { FailureSubject } from './common';
import { readCustomerList } from './customerList';

import { anyAudienceRLC } from '../../descriptions/rlc.description';
import { operationParameters } from '../node.type';

export const description = operationParameters('getAudience', [anyAudienceRLC]);

async function fetchAudience(
	context: IExecuteFunctions,
	subject: FailureSubject,
	adAccountId: string,
	audienceId: string,
): Promise<IDataObject> {
	const audience = await readAudience(context, adAccountId, audienceId);
	const summary = audienceSummary(audience, adAccountId);
	const customerListId = audience.rule?.customer_list_id;
	if (audience.audience_type !== 'CUSTOMER_LIST' || typeof customerListId !== 'string') {
		summary.customerList = null;
		return summary;
	}
	try {
		const list = await readCustomerList(context, adAccountId, customerListId);
		summary.customerList = {
			id: list.id ?? customerListId,
			status: list.status ?? null,
			batches: list.num_batches ?? 0,
			uploaded: list.num_uploaded_user_records ?? 0,
			removed: list.num_removed_user_records ?? 0,
			// What Pinterest reports as the list's errors ("Customer list errors"); {} when none.
			exceptions: (list.exceptions ?? {}) as IDataObject,
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
 * customer-list audience, its list's status, counters and errors. The same audience is read once per
 * execution.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	await assertAudienceEnvironment(this);
	return await outputPerAudience(this, items.length, (adAccountId, audienceId, subject) =>
		fetchAudience(this, subject, adAccountId, audienceId),
	);
}
