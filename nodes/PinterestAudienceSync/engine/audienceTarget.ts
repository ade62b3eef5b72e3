import type {
	PinterestAudience,
	PinterestCustomerList,
	PinterestPage,
	PinterestUserAccount,
} from '../helpers/interfaces';
import type { AuthGate } from './authGate';
import { AudienceProblem } from './errors';
import type { CallStats, PinterestClient, PinterestRequest } from './client';
import type { UserWriteLimiter } from './limiter';
import type { MatchField } from './normalise';
import type { SharedLocks } from './sharedLock';
import { bookmarkPages } from './paging';
import { DEFAULT_BASE_DELAY_MS, DEFAULT_MAX_DELAY_MS, callPinterest } from './retry';

export interface CallEnvironment {
	client: PinterestClient;
	gate: AuthGate;
	stats: CallStats;
	retryWindowMs: number;
	requestTimeoutMs: number;
}

/** One call through the engine's request path; a create gives `findApplied` (see CallOptions). */
export function call<T>(
	env: CallEnvironment,
	request: PinterestRequest,
	limiter?: UserWriteLimiter,
	findApplied?: () => Promise<T | undefined>,
): Promise<T> {
	return callPinterest<T>(
		{ timeoutMs: env.requestTimeoutMs, ...request },
		{
			client: () => env.client,
			gate: env.gate,
			limiter,
			policy: {
				deadline: Date.now() + env.retryWindowMs,
				baseDelayMs: DEFAULT_BASE_DELAY_MS,
				maxDelayMs: DEFAULT_MAX_DELAY_MS,
			},
			stats: [env.stats],
			findApplied,
		},
	);
}

const USER_CACHE_MS = 10 * 60_000;
const pinterestUsers = new Map<string, { id: string; until: number }>();
const userLookups = new Map<string, Promise<string>>();

/**
 * Concurrent callers with the same key share one lookup. A caller that joined a lookup which then
 * failed looks up once more itself: the failure may have been the other execution's own (cancelled, a
 * shorter retry window).
 */
async function sharedLookup<T>(
	running: Map<string, Promise<T>>,
	key: string,
	load: () => Promise<T>,
	joined = false,
): Promise<T> {
	const current = running.get(key);
	if (current) {
		if (joined) return await current;
		try {
			return await current;
		} catch {
			return await sharedLookup(running, key, load, true);
		}
	}
	const lookup = load();
	running.set(key, lookup);
	try {
		return await lookup;
	} finally {
		if (running.get(key) === lookup) running.delete(key);
	}
}

/** The Pinterest user behind a credential: the key of the shared rate limiter. */
export async function pinterestUserOf(
	env: CallEnvironment,
	credentialKey: string,
): Promise<string> {
	const cached = pinterestUsers.get(credentialKey);
	if (cached && cached.until > Date.now()) return cached.id;
	// Many executions starting at once (a webhook per user) send one GET /user_account, not one each.
	return await sharedLookup(userLookups, credentialKey, async () => {
		const account = await call<PinterestUserAccount>(env, { method: 'GET', path: '/user_account' });
		pinterestUsers.set(credentialKey, { id: account.id, until: Date.now() + USER_CACHE_MS });
		return account.id;
	});
}

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

interface SharedTarget {
	lookup: Promise<ResolvedAudience>;
	resolved?: ResolvedAudience;
	/** Executions using it that have not finished yet. */
	users: number;
}

const sharedTargets = new Map<string, SharedTarget>();

/**
 * The audience (and its customer list) for an execution, resolved once for all executions that overlap
 * in time: with a webhook per user, one lookup per execution would spend Pinterest's ads_read quota
 * (1,000/min per user) and its universal 100 requests/s within seconds, and the 429s would then hit the
 * writes too. An execution keeps the resolution alive until it calls `release` (its users settled); the
 * first execution after all have finished looks up again, so an audience deleted between runs is
 * noticed at once. Whoever joins gets `created: false` and no records sent on create. A lookup that
 * fails is not shared further: whoever joined it tries once more itself.
 */
export async function sharedTarget(
	key: string,
	resolve: () => Promise<ResolvedAudience>,
	joined = false,
): Promise<{ target: ResolvedAudience; release: () => void }> {
	const current = sharedTargets.get(key);
	const entry: SharedTarget = current ?? { lookup: resolve(), users: 0 };
	if (!current) sharedTargets.set(key, entry);
	entry.users++;
	let released = false;
	const release = (): void => {
		if (released) return;
		released = true;
		if (--entry.users === 0 && sharedTargets.get(key) === entry) sharedTargets.delete(key);
	};
	try {
		const target = await entry.lookup;
		entry.resolved = target;
		return {
			target: current ? { ...target, created: false, recordsSentOnCreate: 0 } : target,
			release,
		};
	} catch (error) {
		if (sharedTargets.get(key) === entry) sharedTargets.delete(key);
		release();
		if (!current || joined) throw error;
		return await sharedTarget(key, resolve, true);
	}
}

/** A write found the customer list gone (404) or forbidden (403): the next execution looks it up again. */
export function forgetCustomerList(customerListId: string): void {
	for (const [key, entry] of sharedTargets) {
		if (entry.resolved?.customerListId === customerListId) sharedTargets.delete(key);
	}
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

interface AudienceByName {
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
async function findOrCreateByName(
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

const creations = new Map<string, Promise<ResolvedAudience>>();

/**
 * Find-or-create of the customer list and its CUSTOMER_LIST audience by name. Re-runs find them again;
 * concurrent executions in this process share one creation. Creates are not idempotent: when the answer
 * to one is lost, Pinterest may have created the object anyway, so it is looked for before the create is
 * sent again.
 *
 * Across processes (n8n workers on one Redis), the find-and-create runs under a lock per ad account and
 * name (`locks`): whoever holds it looks the name up, and creates only if nothing is found; whoever
 * waited looks up again once it holds the lock, and so finds what the first one created. One customer
 * list and one audience per name, whichever workers run the executions.
 */
export async function findOrCreateAudience(
	env: CallEnvironment,
	limiter: UserWriteLimiter,
	args: AudienceByName,
): Promise<ResolvedAudience> {
	const key = `${args.credentialKey}|${args.adAccountId}|${args.name}`;
	const running = creations.get(key);
	if (running) {
		const resolved = await running;
		return { ...resolved, created: false, recordsSentOnCreate: 0 };
	}
	const creation = args.locks.run(`audience:${args.adAccountId}:${args.name}`, () =>
		findOrCreateByName(env, limiter, args),
	);
	creations.set(key, creation);
	try {
		return await creation;
	} finally {
		creations.delete(key);
	}
}
