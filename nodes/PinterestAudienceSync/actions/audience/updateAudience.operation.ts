import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { PinterestAudience } from '../../engine/pinterest';
import {
	actalikePercentage,
	actalikePercentageProperty,
	apiRequest,
	assertAudienceEnvironment,
	audienceSummary,
	invalidItem,
	outputPerItem,
	readAdAccountId,
	readAudience,
	readAudienceId,
} from './common';

import { anyAudienceRLC } from '../../descriptions/rlc.description';
import { operationParameters } from '../node.type';

export const description = operationParameters('updateAudience', [
	{ ...anyAudienceRLC, description: 'The audience to change' },
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		options: [
			{
				displayName: 'Actalike Percentage',
				...actalikePercentageProperty,
				description: `Actalike audiences only. ${actalikePercentageProperty.description}.`,
			},
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				default: '',
				description: 'New description of the audience in Pinterest Ads Manager; empty clears it',
			},
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				placeholder: 'e.g. High-value customers (2025)',
				description:
					'New name of the audience. Sync Users and Create Actalike Audience find audiences by name: a workflow that creates the audience under its old name would create a new one.',
			},
		],
	},
]);

interface UpdateRequest {
	adAccountId: string;
	audienceId: string;
	name?: string;
	description?: string;
	percentage?: number;
}

/** Launch validation: the item names an audience and at least one change, before any call. */
function readRequest(context: IExecuteFunctions, itemIndex: number): UpdateRequest {
	const request: UpdateRequest = {
		adAccountId: readAdAccountId(context, itemIndex),
		audienceId: readAudienceId(context, itemIndex),
	};
	const fields = context.getNodeParameter('updateFields', itemIndex, {}) as IDataObject;
	if (fields.name !== undefined) {
		const name = String(fields.name ?? '').trim();
		if (name === '')
			throw invalidItem(
				context,
				itemIndex,
				'The new audience name is empty',
				'Enter a name under "Update Fields" → "Name", or remove the field to keep the current name.',
			);
		request.name = name;
	}
	if (fields.description !== undefined) request.description = String(fields.description ?? '');
	if (fields.percentage !== undefined)
		request.percentage = actalikePercentage(
			context,
			itemIndex,
			fields.percentage,
			'Actalike Percentage',
		);
	if (request.name === undefined && request.description === undefined && !request.percentage) {
		throw invalidItem(
			context,
			itemIndex,
			'Nothing to update',
			'Add the name, the description or (for an Actalike audience) the percentage to change under "Update Fields".',
		);
	}
	return request;
}

/** The body of the PATCH: only what differs from the audience as it is; empty when nothing does. */
function changesTo(
	context: IExecuteFunctions,
	itemIndex: number,
	audience: PinterestAudience,
	request: UpdateRequest,
): IDataObject {
	const changes: IDataObject = {};
	if (request.name !== undefined && request.name !== audience.name) changes.name = request.name;
	if (request.description !== undefined && request.description !== (audience.description ?? ''))
		changes.description = request.description;
	if (request.percentage !== undefined) {
		if (audience.audience_type !== 'ACTALIKE') {
			throw invalidItem(
				context,
				itemIndex,
				`Audience "${audience.name ?? request.audienceId}" is a ${audience.audience_type ?? 'non-Actalike'} audience, which has no percentage`,
				'Remove "Actalike Percentage" under "Update Fields"; only Actalike audiences are sized by a percentage.',
			);
		}
		// Pinterest's rule is sent whole: seed audience and country as they are, the new percentage.
		if (Number(audience.rule?.percentage) !== request.percentage)
			changes.rule = { ...audience.rule, percentage: request.percentage };
	}
	return changes;
}

async function update(
	context: IExecuteFunctions,
	itemIndex: number,
	request: UpdateRequest,
): Promise<IDataObject> {
	const { adAccountId, audienceId } = request;
	const audience = await readAudience(context, adAccountId, audienceId);
	const changes = changesTo(context, itemIndex, audience, request);
	const changed = Object.keys(changes).map((field) => (field === 'rule' ? 'percentage' : field));
	// Nothing differs: no write (re-running a workflow changes nothing and spends no write).
	const updated =
		changed.length === 0
			? audience
			: await apiRequest<PinterestAudience>(
					context,
					'PATCH',
					`/ad_accounts/${adAccountId}/audiences/${audienceId}`,
					{
						body: { ad_account_id: adAccountId, operation_type: 'UPDATE', ...changes },
						write: true,
					},
				);
	return {
		...audienceSummary(updated, adAccountId),
		changed,
		previousName: audience.name ?? null,
	};
}

/**
 * Update Audience: per item, the name, description and (Actalike audiences) percentage of an audience,
 * with Pinterest's PATCH `operation_type: UPDATE`. Only what differs is sent; an item that changes
 * nothing sends no write.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	await assertAudienceEnvironment(this);
	return await outputPerItem(this, items.length, async (i, subject) => {
		subject.adAccountId = readAdAccountId(this, i);
		subject.audienceId = readAudienceId(this, i);
		return await update(this, i, readRequest(this, i));
	});
}
