import type { IDataObject, IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { PinterestAudience } from '../../engine/pinterest';
import {
	assertAudienceEnvironment,
	audienceSummary,
	outputPerItem,
	readAdAccountId,
	walkAudiences,
} from './common';

import { operationParameters } from '../node.type';

export const description = operationParameters('listAudiences', [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: {
			minValue: 1,
		},
		description: 'Max number of results to return',
		displayOptions: {
			show: {
				returnAll: [false],
			},
		},
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Audience Type',
				name: 'audienceType',
				type: 'options',
				options: [
					{
						name: 'Actalike',
						value: 'ACTALIKE',
						description: 'Lookalike audiences seeded from another audience',
					},
					{
						name: 'Customer List',
						value: 'CUSTOMER_LIST',
						description:
							'Audiences built from uploaded customer lists, like the ones this node syncs',
					},
					{
						name: 'Engagement',
						value: 'ENGAGEMENT',
						description: 'People who engaged with your Pins',
					},
					{
						name: 'Persona',
						value: 'PERSONA',
						description: 'Audiences based on Pinterest personas',
					},
					{
						name: 'Visitor',
						value: 'VISITOR',
						description: 'People who visited your website',
					},
				],
				default: 'CUSTOMER_LIST',
				description: 'Only return audiences of this type',
			},
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				placeholder: 'e.g. VIP',
				description: 'Only return audiences whose name contains this text (not case-sensitive)',
			},
			{
				displayName: 'Name Starts With',
				name: 'namePrefix',
				type: 'string',
				default: '',
				placeholder: 'e.g. Test –',
				description:
					'Only return audiences whose name starts with this text (not case-sensitive), e.g. the prefix a test workflow gives its audiences',
			},
		],
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Include Shared Audiences',
				name: 'includeShared',
				type: 'boolean',
				default: false,
				description:
					'Whether to also return the audiences other ad accounts shared with this one (after its own, marked "shared": true). They can be used in ads, but not synced to, updated or archived from this ad account.',
			},
			{
				displayName: 'Order',
				name: 'order',
				type: 'options',
				options: [
					{
						name: 'Oldest First',
						value: 'ASCENDING',
					},
					{
						name: 'Newest First',
						value: 'DESCENDING',
					},
				],
				default: 'ASCENDING',
				description:
					'In which order Pinterest returns the audiences: by creation (shared audiences by when they were shared). The limit keeps the first ones in this order.',
			},
		],
	},
]);

interface ListQuery {
	adAccountId: string;
	/** Lower-cased text the name must contain; '' for any name. */
	name: string;
	/** Lower-cased text the name must start with; '' for any name. */
	namePrefix: string;
	/** Audience type to keep; '' for every type. */
	type: string;
	/** Maximum number of audiences; undefined for all. */
	limit?: number;
	includeShared: boolean;
	order: 'ASCENDING' | 'DESCENDING';
}

interface ListOptions {
	includeShared?: boolean;
	order?: string;
}

function readQuery(context: IExecuteFunctions, itemIndex: number): ListQuery {
	const adAccountId = readAdAccountId(context, itemIndex);
	const rawName = context.getNodeParameter('filters.name', itemIndex, '') as unknown;
	const rawType = context.getNodeParameter('filters.audienceType', itemIndex, '') as unknown;
	const rawPrefix = context.getNodeParameter('filters.namePrefix', itemIndex, '') as unknown;
	const name = typeof rawName === 'string' ? rawName.trim().toLowerCase() : '';
	// Leading spaces are part of a prefix only if typed; a trailing one often is ("Test – ").
	const namePrefix = typeof rawPrefix === 'string' ? rawPrefix.trimStart().toLowerCase() : '';
	const type = typeof rawType === 'string' ? rawType.trim().toUpperCase() : '';
	const options = context.getNodeParameter('options', itemIndex, {}) as ListOptions;
	const listed = {
		adAccountId,
		name,
		namePrefix,
		type,
		includeShared: options.includeShared === true,
		order: options.order === 'DESCENDING' ? ('DESCENDING' as const) : ('ASCENDING' as const),
	};
	if (context.getNodeParameter('returnAll', itemIndex, false) === true) return listed;
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
	return { ...listed, limit };
}

/** Whether an audience passes the name and type filters. */
function passes(audience: PinterestAudience, query: ListQuery): boolean {
	const name = (audience.name ?? '').toLowerCase();
	if (query.type !== '' && audience.audience_type !== query.type) return false;
	if (query.namePrefix !== '' && !name.startsWith(query.namePrefix)) return false;
	return query.name === '' || name.includes(query.name);
}

/** The ad account's own audiences, then (when asked) those shared with it, until the limit. */
async function listAudiences(context: IExecuteFunctions, query: ListQuery): Promise<IDataObject[]> {
	const found: IDataObject[] = [];
	const full = (): boolean => query.limit !== undefined && found.length >= query.limit;
	const lists = query.includeShared ? (['OWNED', 'RECEIVED'] as const) : (['OWNED'] as const);
	for (const ownership of lists) {
		if (full()) break;
		// Pinterest's default list is the owned one: the node asks for it as it always has.
		const listQuery: Record<string, string> = {};
		if (ownership === 'RECEIVED') listQuery.ownership_type = ownership;
		if (query.order === 'DESCENDING') listQuery.order = query.order;
		await walkAudiences(
			context,
			query.adAccountId,
			(audience: PinterestAudience) => {
				if (!passes(audience, query)) return false;
				found.push({
					...audienceSummary(audience, query.adAccountId),
					shared: ownership === 'RECEIVED',
				});
				return full();
			},
			listQuery,
		);
	}
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
	return await outputPerItem(this, items.length, async (i, subject, once) => {
		const query = readQuery(this, i);
		subject.adAccountId = query.adAccountId;
		return await once(JSON.stringify(query), () => listAudiences(this, query));
	});
}
