import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { FailureContext } from '../engine/messages';
import type { PinterestAdAccount, PinterestAudience } from '../engine/pinterest';
import { pinterestNodeError } from '../helpers/nodeErrors';
import { PINTEREST_ID } from '../helpers/pinterestId';
import { pinterestApiPages } from '../transport';

/**
 * Pinterest has no name filter, so a search filters each fetched page. When a page has no match but
 * there are more, keep going for up to this many pages per call before handing the bookmark back to the
 * editor, so a search finds something without loading everything at once.
 */
const MAX_PAGES_PER_CALL = 5;

interface Named {
	id: string;
	name?: string;
}

function matches(item: Named, filter: string): boolean {
	if (filter === '') return true;
	if ((item.name ?? '').toLowerCase().includes(filter)) return true;
	return /^\d+$/.test(filter) && item.id.startsWith(filter);
}

/** Walks bookmark pages from `paginationToken` until something matches, `MAX_PAGES_PER_CALL` or the end. */
async function searchPages<T extends Named>(
	context: ILoadOptionsFunctions,
	path: string,
	search: { filter?: string; paginationToken?: string; about: FailureContext },
	keep: (item: T) => boolean = () => true,
): Promise<INodeListSearchResult> {
	const needle = (search.filter ?? '').trim().toLowerCase();
	const results: INodeListSearchItems[] = [];
	const pages = pinterestApiPages<T>;
	let bookmark: string | null = search.paginationToken || null;
	let fetched = 0;
	try {
		for await (const page of pages.call(context, path, bookmark)) {
			fetched++;
			for (const item of page.items) {
				if (!item || typeof item.id !== 'string') continue;
				if (keep(item) && matches(item, needle))
					results.push({ name: item.name || item.id, value: item.id });
			}
			bookmark = page.bookmark;
			if (results.length > 0 || fetched >= MAX_PAGES_PER_CALL) break;
		}
	} catch (error) {
		throw pinterestNodeError(context.getNode(), error, search.about);
	}
	return bookmark === null ? { results } : { results, paginationToken: bookmark };
}

/** The ad account chosen in the node (list or ID mode), which the audience lists belong to. */
function selectedAdAccountId(context: ILoadOptionsFunctions): string {
	let value: unknown;
	try {
		value = context.getCurrentNodeParameter('adAccount', { extractValue: true });
	} catch {
		value = context.getCurrentNodeParameter('adAccount');
	}
	if (value && typeof value === 'object' && 'value' in value) {
		value = (value as { value: unknown }).value;
	}
	const id =
		typeof value === 'number' ? String(value) : typeof value === 'string' ? value.trim() : '';
	if (id === '') {
		throw new NodeOperationError(context.getNode(), 'Select an ad account first', {
			description: 'The audience list shows the audiences of the chosen ad account.',
		});
	}
	if (id.startsWith('=')) {
		throw new NodeOperationError(
			context.getNode(),
			'The ad account is an expression, so its audiences cannot be listed',
			{
				description:
					'Pick the ad account from the list or enter its ID to browse audiences, or enter the audience by ID.',
			},
		);
	}
	if (!PINTEREST_ID.test(id)) {
		throw new NodeOperationError(context.getNode(), `"${id}" is not a Pinterest ad account ID`, {
			description: 'Ad account IDs are up to 18 digits, e.g. 549755885175.',
		});
	}
	return id;
}

/** Ad accounts the connected Pinterest user owns or has Business Access to. */
export async function searchAdAccounts(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchPages<PinterestAdAccount>(this, '/ad_accounts', {
		filter,
		paginationToken,
		about: {},
	});
}

/** Audiences of the ad account selected in the node, those `keep` accepts when given. */
async function searchAudiencesOfSelectedAccount(
	context: ILoadOptionsFunctions,
	filter: string | undefined,
	paginationToken: string | undefined,
	keep?: (audience: PinterestAudience) => boolean,
): Promise<INodeListSearchResult> {
	const adAccountId = selectedAdAccountId(context);
	return await searchPages<PinterestAudience>(
		context,
		`/ad_accounts/${adAccountId}/audiences`,
		{ filter, paginationToken, about: { adAccountId } },
		keep,
	);
}

/** Every audience of the selected ad account, whatever its type. */
export async function searchAudiences(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchAudiencesOfSelectedAccount(this, filter, paginationToken);
}

/** Customer-list audiences of the selected ad account: the only ones users can be synced into. */
export async function searchCustomerListAudiences(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchAudiencesOfSelectedAccount(
		this,
		filter,
		paginationToken,
		(audience) => audience.audience_type === 'CUSTOMER_LIST',
	);
}
