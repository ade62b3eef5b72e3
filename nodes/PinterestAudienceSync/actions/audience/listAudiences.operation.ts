import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError, deepCopy } from 'n8n-workflow';

import type { PinterestAudience } from '../../helpers/interfaces';
import {
	assertAudienceEnvironment,
	audienceSummary,
	errorItem,
	onFirstOutput,
	readAdAccountId,
	toNodeError,
	walkAudiences,
} from './common';

interface ListQuery {
	adAccountId: string;
	/** Lower-cased text the name must contain; '' for any name. */
	name: string;
	/** Audience type to keep; '' for every type. */
	type: string;
	/** Maximum number of audiences; undefined for all. */
	limit?: number;
}

function readQuery(context: IExecuteFunctions, itemIndex: number): ListQuery {
	const adAccountId = readAdAccountId(context, itemIndex);
	const rawName = context.getNodeParameter('filters.name', itemIndex, '') as unknown;
	const rawType = context.getNodeParameter('filters.audienceType', itemIndex, '') as unknown;
	const name = typeof rawName === 'string' ? rawName.trim().toLowerCase() : '';
	const type = typeof rawType === 'string' ? rawType.trim().toUpperCase() : '';
	if (context.getNodeParameter('returnAll', itemIndex, false) === true)
		return { adAccountId, name, type };
	const limit = Number(context.getNodeParameter('limit', itemIndex, 50));
	if (!Number.isInteger(limit) || limit < 1) {
		throw new NodeOperationError(
			context.getNode(),
			`Limit must be a whole number of at least 1 (it is ${String(limit)})`,
			{
				description: 'Change "Limit", or turn on "Return All".',
				itemIndex,
			},
		);
	}
	return { adAccountId, name, type, limit };
}

async function listAudiences(context: IExecuteFunctions, query: ListQuery): Promise<IDataObject[]> {
	const found: IDataObject[] = [];
	await walkAudiences(context, query.adAccountId, (audience: PinterestAudience) => {
		if (query.type !== '' && audience.audience_type !== query.type) return false;
		if (query.name !== '' && !(audience.name ?? '').toLowerCase().includes(query.name))
			return false;
		found.push(audienceSummary(audience, query.adAccountId));
		return query.limit !== undefined && found.length >= query.limit;
	});
	return found;
}

/**
 * List Audiences: the audiences of the ad account, filtered by name (contains, not case-sensitive) and
 * type, one output item per audience. Pages are fetched through Pinterest's bookmark, 250 at a time,
 * and only until the limit is reached.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	await assertAudienceEnvironment(this);
	const results: INodeExecutionData[] = [];
	const lists = new Map<string, Promise<IDataObject[]>>();
	for (let i = 0; i < items.length; i++) {
		let adAccountId = '';
		try {
			const query = readQuery(this, i);
			adAccountId = query.adAccountId;
			const key = JSON.stringify(query);
			let list = lists.get(key);
			if (!list) {
				list = listAudiences(this, query);
				lists.set(key, list);
			}
			for (const audience of await list)
				results.push({ json: deepCopy(audience), pairedItem: { item: i } });
		} catch (error) {
			const nodeError = toNodeError(this, error, { adAccountId, itemIndex: i });
			if (!this.continueOnFail()) throw nodeError;
			results.push(errorItem(nodeError, i));
		}
	}
	return onFirstOutput(results);
}
