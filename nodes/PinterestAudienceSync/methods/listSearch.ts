import type {
	ILoadOptionsFunctions,
	INodeListSearchItems,
	INodeListSearchResult,
} from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { PinterestApiError } from '../engine/errors';
import type { PinterestAdAccount, PinterestAudience, PinterestPage } from '../helpers/interfaces';
import { pinterestApiPage } from '../transport';

/** Pinterest's largest page. */
const PAGE_SIZE = 250;
/**
 * Pinterest has no name filter, so a search filters each fetched page. When a page has no match but
 * there are more, keep going for up to this many pages per call (1,250 items) before handing the
 * bookmark back to the editor, so a search finds something without loading everything at once.
 */
const MAX_PAGES_PER_CALL = 5;

const PINTEREST_ID = /^\d{1,18}$/;

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
	filter: string | undefined,
	paginationToken: string | undefined,
	keep: (item: T) => boolean = () => true,
): Promise<INodeListSearchResult> {
	const fetchPage = pinterestApiPage<T>;
	const needle = (filter ?? '').trim().toLowerCase();
	const results: INodeListSearchItems[] = [];
	let bookmark: string | null =
		typeof paginationToken === 'string' && paginationToken !== '' ? paginationToken : null;
	let pages = 0;
	do {
		const qs: Record<string, string | number> = { page_size: PAGE_SIZE };
		if (bookmark !== null) qs.bookmark = bookmark;
		let page: PinterestPage<T>;
		try {
			page = await fetchPage.call(context, path, qs);
		} catch (error) {
			throw describeError(context, error);
		}
		pages++;
		for (const item of page.items) {
			if (!item || typeof item.id !== 'string') continue;
			if (!keep(item) || !matches(item, needle)) continue;
			results.push({ name: item.name || item.id, value: item.id });
		}
		bookmark = page.bookmark || null;
	} while (results.length === 0 && bookmark !== null && pages < MAX_PAGES_PER_CALL);

	return bookmark === null ? { results } : { results, paginationToken: bookmark };
}

/** Turns a failed list call into a message a marketer can act on. */
function describeError(context: ILoadOptionsFunctions, error: unknown): NodeOperationError {
	if (!(error instanceof PinterestApiError)) {
		return new NodeOperationError(
			context.getNode(),
			error instanceof Error ? error : String(error),
		);
	}
	const detail = error.pinterestMessage ? `Pinterest says: ${error.pinterestMessage}` : undefined;
	switch (error.status) {
		case 401:
			return new NodeOperationError(context.getNode(), 'Pinterest did not accept the credential', {
				description: `Reconnect the Pinterest credential and try again. ${detail ?? ''}`.trim(),
			});
		case 403:
			return new NodeOperationError(
				context.getNode(),
				'The Pinterest account has no access to this ad account',
				{
					description:
						`Ask an owner or admin of the ad account for the Audience Manager role, or pick another ad account. ${detail ?? ''}`.trim(),
				},
			);
		case 404:
			return new NodeOperationError(context.getNode(), 'Pinterest could not find this ad account', {
				description:
					`Check the ad account ID or pick the ad account from the list. ${detail ?? ''}`.trim(),
			});
		case 429:
			return new NodeOperationError(context.getNode(), 'Pinterest is rate limiting this account', {
				description: 'Wait a moment and search again.',
			});
		default:
			return new NodeOperationError(context.getNode(), error.message, { description: detail });
	}
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
	return await searchPages<PinterestAdAccount>(this, '/ad_accounts', filter, paginationToken);
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
		filter,
		paginationToken,
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
