import type { PinterestAudience, PinterestCustomerList, PinterestPage } from '../pinterest';
import { AudienceProblem, bookmarkPages } from '../pinterest';
import type { SharedLocks } from '../coordination';
import type { UserWriteLimiter } from '../rateLimit';
import type { CallEnvironment } from '../requests';
import { call } from '../requests';
import type { MatchField } from '../users';

/**
 * Finding the audience and customer list users go to: an existing audience by ID, or the one named,
 * created (list first, then its audience) when it does not exist yet.
 */
export interface ResolvedAudience {
	audienceId: string;
	audienceName?: string;
	customerListId: string;
	created: boolean;
	/** Records the creation request already carried (Pinterest requires records on create). */
	recordsSentOnCreate: number;
}

function pages<T>(env: CallEnvironment, path: string): AsyncGenerator<PinterestPage<T>> {
	return bookmarkPages<T>((qs) => call<PinterestPage<T>>(env, { method: 'GET', path, qs }));
}

/** An existing audience picked by ID: must be a customer-list audience; gives its list. */
export async function existingAudience(
	env: CallEnvironment,
	adAccountId: string,
	audienceId: string,
): Promise<ResolvedAudience> {
	const audience = await call<PinterestAudience>(env, {
		method: 'GET',
		path: `/ad_accounts/${adAccountId}/audiences/${audienceId}`,
	});
	const customerListId = audience.rule?.customer_list_id;
	if (audience.audience_type !== 'CUSTOMER_LIST' || !customerListId) {
		throw new AudienceProblem(
			`Audience "${audience.name ?? audienceId}" (ID ${audienceId}) in ad account ${adAccountId} is a ${audience.audience_type ?? 'non-customer-list'} audience; users can only be synced to customer-list audiences. Pick a customer-list audience or choose "Create New Audience".`,
			'not a customer-list audience',
		);
	}
	return {
		audienceId,
		audienceName: audience.name,
		customerListId,
		created: false,
		recordsSentOnCreate: 0,
	};
}

export function listTypeFor(fields: MatchField[]): 'EMAIL' | 'MAID' | 'IDFA' {
	if (fields.includes('email')) return 'EMAIL';
	return fields.includes('maid') ? 'MAID' : 'IDFA';
}

async function findInPages<T>(
	env: CallEnvironment,
	path: string,
	match: (item: T) => boolean,
): Promise<T | undefined> {
	for await (const page of pages<T>(env, path)) {
		const found = page.items.find(match);
		if (found) return found;
	}
	return undefined;
}

export interface AudienceByName {
	credentialKey: string;
	adAccountId: string;
	name: string;
	/** Of the audience, when it is created; an audience found by name keeps its own. */
	description?: string;
	fields: MatchField[];
	firstRecords: string[];
	mayCreate: boolean;
	locks: SharedLocks;
}

function isCustomerListAudienceNamed(audience: PinterestAudience, name: string): boolean {
	return audience.name === name && audience.audience_type === 'CUSTOMER_LIST';
}

/** The customer-list audience of that name, else a customer list of that name without its audience. */
async function findByName(
	env: CallEnvironment,
	adAccountId: string,
	name: string,
): Promise<{ audience?: PinterestAudience; list?: PinterestCustomerList }> {
	const audience = await findInPages<PinterestAudience>(
		env,
		`/ad_accounts/${adAccountId}/audiences`,
		(a) => isCustomerListAudienceNamed(a, name) && Boolean(a.rule?.customer_list_id),
	);
	if (audience) return { audience };
	const list = await findInPages<PinterestCustomerList>(
		env,
		`/ad_accounts/${adAccountId}/customer_lists`,
		(l) => l.name === name,
	);
	return list ? { list } : {};
}

/** Pinterest requires records when a list is created, so the first records travel with the creation. */
async function createCustomerList(
	env: CallEnvironment,
	limiter: UserWriteLimiter,
	args: AudienceByName,
): Promise<PinterestCustomerList> {
	if (!args.mayCreate || args.firstRecords.length === 0) {
		throw new AudienceProblem(
			`There is no audience named "${args.name}" in ad account ${args.adAccountId}${args.mayCreate ? ', and no user had a usable identifier to create it with' : ', so there is nobody to remove'}. Pick an existing audience, or check the name.`,
			'audience does not exist',
		);
	}
	const path = `/ad_accounts/${args.adAccountId}/customer_lists`;
	const body = {
		name: args.name,
		records: args.firstRecords.join(','),
		list_type: listTypeFor(args.fields),
	};
	return await call<PinterestCustomerList>(env, { method: 'POST', path, body }, limiter, () =>
		findInPages<PinterestCustomerList>(env, path, (l) => l.name === args.name),
	);
}

/** What an audience the node creates says about itself when the workflow gives no description. */
export const DEFAULT_AUDIENCE_DESCRIPTION = 'Synced from n8n (Pinterest Audience Sync)';

async function createCustomerListAudience(
	env: CallEnvironment,
	limiter: UserWriteLimiter,
	args: AudienceByName,
	listId: string,
): Promise<PinterestAudience> {
	const path = `/ad_accounts/${args.adAccountId}/audiences`;
	const body = {
		ad_account_id: args.adAccountId,
		name: args.name,
		audience_type: 'CUSTOMER_LIST',
		description: args.description || DEFAULT_AUDIENCE_DESCRIPTION,
		rule: { customer_list_id: listId },
	};
	return await call<PinterestAudience>(env, { method: 'POST', path, body }, limiter, () =>
		findInPages<PinterestAudience>(
			env,
			path,
			(a) => isCustomerListAudienceNamed(a, args.name) && a.rule?.customer_list_id === listId,
		),
	);
}

/** Looks the name up and creates what is missing: the customer list, then its audience. */
export async function findOrCreateByName(
	env: CallEnvironment,
	limiter: UserWriteLimiter,
	args: AudienceByName,
): Promise<ResolvedAudience> {
	const found = await findByName(env, args.adAccountId, args.name);
	if (found.audience) {
		return {
			audienceId: found.audience.id,
			audienceName: args.name,
			customerListId: found.audience.rule?.customer_list_id as string,
			created: false,
			recordsSentOnCreate: 0,
		};
	}
	const list = found.list ?? (await createCustomerList(env, limiter, args));
	const audience = await createCustomerListAudience(env, limiter, args, list.id);
	return {
		audienceId: audience.id,
		audienceName: args.name,
		customerListId: list.id,
		created: true,
		recordsSentOnCreate: found.list ? 0 : args.firstRecords.length,
	};
}
