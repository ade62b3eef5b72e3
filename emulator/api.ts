/**
 * Handlers of the /v5 API routes the node uses, with the shapes and errors of Pinterest's OpenAPI
 * description (https://github.com/pinterest/api-description, v5/openapi.yaml). Each handler runs
 * after authentication and rate limiting, with the full request body, and returns a Reply.
 */
import {
	adAccountNotFound,
	audienceNotFound,
	customerListNotFound,
	errorReply,
	invalidAudienceParams,
	invalidParams,
	isReply,
	notPermitted,
	Reply,
} from './errors';
import { paginate, parsePageRequest } from './pagination';
import type { RouteDef } from './router';
import type { AdAccountRecord, AudienceRecord, PinterestState } from './state';
import type {
	AdAccount,
	AudienceRule,
	AudienceType,
	RequestCategory,
	RequestLogEntry,
	ResolvedEmulatorOptions,
	UserListType,
} from './types';

export interface ApiContext {
	userId: string;
	params: Record<string, string>;
	query: URLSearchParams;
	body: string;
	entry: RequestLogEntry;
}

export interface ApiRoute {
	category: RequestCategory;
	/** The body carries customer-list `records` (counted into the log even when rejected). */
	countsRecords?: boolean;
	run(ctx: ApiContext): Reply;
}

const ID = /^\d{1,18}$/;
const AUDIENCE_TYPES: readonly AudienceType[] = [
	'CUSTOMER_LIST',
	'VISITOR',
	'ENGAGEMENT',
	'ACTALIKE',
	'PERSONA',
];
const LIST_TYPES: readonly UserListType[] = [
	'EMAIL',
	'IDFA',
	'MAID',
	'LR_ID',
	'DLX_ID',
	'HASHED_PINNER_ID',
];
const ACTALIKE_COUNTRIES = ['US', 'CA', 'GB'];

/** Records are one comma-separated string; items are trimmed and empty items ignored. */
export function splitRecords(records: string): string[] {
	const out: string[] = [];
	for (const raw of records.split(',')) {
		const r = raw.trim();
		if (r !== '') out.push(r);
	}
	return out;
}

/** Best-effort record count of a raw customer-list body (for the log of rejected requests). */
export function countRecordsInBody(body: string): number {
	try {
		const parsed: unknown = JSON.parse(body);
		if (isObject(parsed) && typeof parsed.records === 'string')
			return splitRecords(parsed.records).length;
	} catch {
		// not JSON: nothing to count
	}
	return 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
	return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function parseJsonObject(body: string): Record<string, unknown> | Reply {
	let parsed: unknown;
	try {
		parsed = JSON.parse(body);
	} catch {
		return errorReply(400, 1, 'Invalid request: body is not valid JSON');
	}
	if (!isObject(parsed)) return errorReply(400, 1, 'Invalid request: body must be a JSON object');
	return parsed;
}

const ok = (body: unknown, status = 200): Reply => new Reply(status, body);

export function createApiRoutes(
	state: PinterestState,
	options: ResolvedEmulatorOptions,
): RouteDef<ApiRoute>[] {
	const renderAdAccount = (a: AdAccountRecord): AdAccount => {
		const owner = state.users.get(a.ownerId);
		return {
			id: a.id,
			name: a.name,
			owner: { id: a.ownerId, username: owner ? owner.account.username : '' },
			country: a.country,
			currency: a.currency,
			permissions: ['OWNER'],
			created_time: a.createdTime,
			updated_time: a.updatedTime,
		};
	};

	/** Validates the path id and ownership: 400 bad id, 404 unknown/deleted, 403 another user's. */
	const adAccountFor = (ctx: ApiContext): AdAccountRecord | Reply => {
		const id = ctx.params.adAccountId;
		if (!ID.test(id)) return errorReply(400, 400, 'Invalid ad account id');
		const acc = state.adAccount(id);
		if (!acc) return adAccountNotFound();
		if (acc.ownerId !== ctx.userId) return notPermitted();
		return acc;
	};

	const bodyAccountMismatch = (
		body: Record<string, unknown>,
		acc: AdAccountRecord,
	): Reply | null => {
		if (body.ad_account_id === undefined || body.ad_account_id === null) return null;
		if (body.ad_account_id !== acc.id)
			return errorReply(
				400,
				400,
				'Invalid ad account id: body ad_account_id does not match the path',
			);
		return null;
	};

	/** Validates an ACTALIKE rule; returns the normalised rule or an error reply. */
	const actalikeRule = (
		acc: AdAccountRecord,
		rule: Record<string, unknown>,
	): AudienceRule | Reply => {
		const rawSeeds = rule.seed_id;
		const seeds = Array.isArray(rawSeeds)
			? rawSeeds
			: rawSeeds === undefined || rawSeeds === null
				? []
				: [rawSeeds];
		if (seeds.length === 0) return invalidAudienceParams('rule.seed_id is required for ACTALIKE');
		const seedIds: string[] = [];
		for (const s of seeds) {
			const id = typeof s === 'number' && Number.isSafeInteger(s) ? String(s) : s;
			if (typeof id !== 'string' || !ID.test(id))
				return invalidAudienceParams('rule.seed_id must be audience ids');
			seedIds.push(id);
		}
		const country = rule.country;
		if (typeof country !== 'string' || !ACTALIKE_COUNTRIES.includes(country)) {
			return invalidAudienceParams('rule.country must be one of US, CA, GB');
		}
		const p = rule.percentage;
		const pct =
			typeof p === 'number'
				? p
				: typeof p === 'string' && /^\d+$/.test(p.trim())
					? Number(p.trim())
					: NaN;
		if (!Number.isInteger(pct) || pct < 1 || pct > 10) {
			return invalidAudienceParams('rule.percentage must be an integer from 1 to 10');
		}
		for (const id of seedIds) {
			const seed = state.audience(acc.id, id);
			if (!seed) return invalidAudienceParams(`seed audience ${id} not found in this ad account`);
			if (state.effectiveSize(seed) < options.audienceMinimumSize) {
				return errorReply(
					400,
					400,
					`Seed audience is too small. An ACTALIKE audience needs a seed audience with at least ${options.audienceMinimumSize} members (audience ${id}).`,
				);
			}
		}
		return { ...rule, seed_id: seedIds, country, percentage: p };
	};

	const customerListRule = (
		acc: AdAccountRecord,
		rule: Record<string, unknown>,
	): AudienceRule | Reply => {
		const listId = rule.customer_list_id;
		if (typeof listId !== 'string' || !ID.test(listId)) {
			return invalidAudienceParams('rule.customer_list_id is required for CUSTOMER_LIST');
		}
		if (!state.customerList(acc.id, listId)) {
			return invalidAudienceParams(`customer list ${listId} not found in this ad account`);
		}
		return { ...rule, customer_list_id: listId };
	};

	/** The rule checked as Pinterest checks it for the audience's type; other types keep theirs as given. */
	const ruleFor = (
		acc: AdAccountRecord,
		type: AudienceType,
		rule: Record<string, unknown>,
	): AudienceRule | Reply => {
		if (type === 'CUSTOMER_LIST') return customerListRule(acc, rule);
		if (type === 'ACTALIKE') return actalikeRule(acc, rule);
		return rule;
	};

	/** A description, when sent, is a string (null clears it). */
	const descriptionProblem = (description: unknown): Reply | undefined =>
		description !== undefined && description !== null && typeof description !== 'string'
			? invalidAudienceParams('description must be a string')
			: undefined;

	const audienceFor = (ctx: ApiContext, acc: AdAccountRecord): AudienceRecord | Reply => {
		const aud = state.audience(acc.id, ctx.params.audienceId);
		return aud ?? audienceNotFound();
	};

	const checkIds = (ctx: ApiContext): Reply | null => {
		if (!ID.test(ctx.params.adAccountId)) return errorReply(400, 400, 'Invalid ad account id');
		if (ctx.params.audienceId !== undefined && !ID.test(ctx.params.audienceId)) {
			return errorReply(400, 400, 'Invalid audience id');
		}
		if (ctx.params.customerListId !== undefined && !ID.test(ctx.params.customerListId)) {
			return errorReply(400, 400, 'Invalid customer list id');
		}
		return null;
	};

	/** Common prefix of ad-account routes: id validation and account lookup. */
	const withAccount =
		(run: (ctx: ApiContext, acc: AdAccountRecord) => Reply) =>
		(ctx: ApiContext): Reply => {
			const bad = checkIds(ctx);
			if (bad) return bad;
			const acc = adAccountFor(ctx);
			if (isReply(acc)) return acc;
			return run(ctx, acc);
		};

	/** Parses records of a customer-list write, logs the count, enforces the per-request limit. */
	const recordsOf = (
		ctx: ApiContext,
		body: Record<string, unknown>,
		required: boolean,
	): string[] | Reply => {
		const raw = body.records;
		if (raw === undefined || raw === null) {
			return required ? invalidParams('records is required') : [];
		}
		if (typeof raw !== 'string')
			return invalidParams('records must be a string of comma-separated records');
		const records = splitRecords(raw);
		ctx.entry.recordCount = records.length;
		if (records.length > options.maxRecordsPerRequest) {
			return errorReply(
				400,
				1,
				`Too many records in one request: ${records.length} (the maximum is ${options.maxRecordsPerRequest}).`,
			);
		}
		return records;
	};

	const routes: RouteDef<ApiRoute>[] = [
		{
			method: 'GET',
			pattern: '/v5/user_account',
			handler: {
				category: 'org_read',
				run: (ctx) => {
					const asAccount = ctx.query.get('ad_account_id');
					let userId = ctx.userId;
					if (asAccount !== null) {
						if (!ID.test(asAccount)) return errorReply(400, 400, 'Invalid ad account id');
						const acc = state.adAccount(asAccount);
						if (!acc) return adAccountNotFound();
						if (acc.ownerId !== ctx.userId)
							return errorReply(403, 403, 'Not authorized to access the user account.');
						userId = acc.ownerId;
					}
					const user = state.users.get(userId);
					if (!user) return errorReply(403, 403, 'Not authorized to access the user account.');
					return ok(user.account);
				},
			},
		},
		{
			method: 'GET',
			pattern: '/v5/ad_accounts',
			handler: {
				category: 'ads_read',
				run: (ctx) => {
					const shared = ctx.query.get('include_shared_accounts');
					if (shared !== null && shared !== 'true' && shared !== 'false') {
						return invalidParams('include_shared_accounts must be true or false');
					}
					const page = parsePageRequest(ctx.query);
					if (isReply(page)) return page;
					return ok(paginate(state.adAccountsOf(ctx.userId).map(renderAdAccount), page));
				},
			},
		},
		{
			method: 'GET',
			pattern: '/v5/ad_accounts/:adAccountId',
			handler: { category: 'ads_read', run: withAccount((_ctx, acc) => ok(renderAdAccount(acc))) },
		},
		{
			method: 'GET',
			pattern: '/v5/ad_accounts/:adAccountId/audiences',
			handler: {
				category: 'ads_read',
				run: withAccount((ctx, acc) => {
					const ownership = ctx.query.get('ownership_type');
					if (ownership !== null && ownership !== 'OWNED' && ownership !== 'RECEIVED') {
						return errorReply(400, 400, 'Invalid ad account audience parameters.');
					}
					const page = parsePageRequest(ctx.query);
					if (isReply(page)) return page;
					const all =
						ownership === 'RECEIVED'
							? state.receivedAudiencesOf(acc.id)
							: state.audiencesOf(acc.id);
					const result = paginate(all, page);
					return ok({
						items: result.items.map((a) => state.renderAudience(a)),
						bookmark: result.bookmark,
					});
				}),
			},
		},
		{
			method: 'POST',
			pattern: '/v5/ad_accounts/:adAccountId/audiences',
			handler: {
				category: 'ads_write',
				run: withAccount((ctx, acc) => {
					const body = parseJsonObject(ctx.body);
					if (isReply(body)) return body;
					const mismatch = bodyAccountMismatch(body, acc);
					if (mismatch) return mismatch;
					const { name, audience_type: type, description, rule } = body;
					if (typeof name !== 'string' || name.trim() === '')
						return invalidAudienceParams('name is required');
					if (typeof type !== 'string' || !(AUDIENCE_TYPES as readonly string[]).includes(type)) {
						return invalidAudienceParams(
							`audience_type must be one of ${AUDIENCE_TYPES.join(', ')} (case-sensitive)`,
						);
					}
					const badDescription = descriptionProblem(description);
					if (badDescription) return badDescription;
					if (!isObject(rule)) return invalidAudienceParams('rule is required');
					const audienceType = type as AudienceType;
					const finalRule = ruleFor(acc, audienceType, rule);
					if (isReply(finalRule)) return finalRule;
					const fixedSize =
						audienceType === 'ACTALIKE' ? Number(finalRule.percentage) * 1_000_000 : null;
					const aud = state.createAudience(acc.id, {
						name,
						audienceType,
						description: typeof description === 'string' ? description : null,
						rule: finalRule,
						fixedSize,
					});
					return ok(state.renderAudience(aud, true), 201);
				}),
			},
		},
		{
			method: 'GET',
			pattern: '/v5/ad_accounts/:adAccountId/audiences/:audienceId',
			handler: {
				category: 'ads_read',
				run: withAccount((ctx, acc) => {
					const aud = audienceFor(ctx, acc);
					if (isReply(aud)) return aud;
					return ok(state.renderAudience(aud));
				}),
			},
		},
		{
			method: 'PATCH',
			pattern: '/v5/ad_accounts/:adAccountId/audiences/:audienceId',
			handler: {
				category: 'ads_write',
				run: withAccount((ctx, acc) => {
					const body = parseJsonObject(ctx.body);
					if (isReply(body)) return body;
					const aud = audienceFor(ctx, acc);
					if (isReply(aud)) return aud;
					const mismatch = bodyAccountMismatch(body, acc);
					if (mismatch) return mismatch;
					const op = body.operation_type ?? 'UPDATE';
					if (op !== 'UPDATE' && op !== 'REMOVE') {
						return invalidAudienceParams('operation_type must be UPDATE or REMOVE');
					}
					if (op === 'REMOVE') {
						const rendered = state.renderAudience(aud);
						state.removeAudience(aud);
						return ok(rendered);
					}
					const { name, description, rule } = body;
					if (name !== undefined && (typeof name !== 'string' || name.trim() === '')) {
						return invalidAudienceParams('name must be a non-empty string');
					}
					const badDescription = descriptionProblem(description);
					if (badDescription) return badDescription;
					let newRule: AudienceRule | undefined;
					if (rule !== undefined) {
						if (!isObject(rule)) return invalidAudienceParams('rule must be an object');
						const checked = ruleFor(acc, aud.audienceType, { ...aud.rule, ...rule });
						if (isReply(checked)) return checked;
						newRule = checked;
					}
					if (typeof name === 'string') aud.name = name;
					if (description !== undefined)
						aud.description = typeof description === 'string' ? description : null;
					if (newRule) aud.rule = newRule;
					aud.updatedTimestamp = Math.floor(Date.now() / 1000);
					return ok(state.renderAudience(aud));
				}),
			},
		},
		{
			method: 'GET',
			pattern: '/v5/ad_accounts/:adAccountId/customer_lists',
			handler: {
				category: 'ads_read',
				run: withAccount((ctx, acc) => {
					const page = parsePageRequest(ctx.query);
					if (isReply(page)) return page;
					const result = paginate(state.customerListsOf(acc.id), page);
					return ok({
						items: result.items.map((l) => {
							state.settleList(l);
							return state.renderCustomerList(l);
						}),
						bookmark: result.bookmark,
					});
				}),
			},
		},
		{
			method: 'POST',
			pattern: '/v5/ad_accounts/:adAccountId/customer_lists',
			handler: {
				category: 'ads_write',
				countsRecords: true,
				run: withAccount((ctx, acc) => {
					const body = parseJsonObject(ctx.body);
					if (isReply(body)) return body;
					const records = recordsOf(ctx, body, false);
					if (isReply(records)) return records;
					const mismatch = bodyAccountMismatch(body, acc);
					if (mismatch) return mismatch;
					const { name } = body;
					if (typeof name !== 'string' || name.trim() === '')
						return invalidParams('name is required');
					const listType = body.list_type ?? 'EMAIL';
					if (
						typeof listType !== 'string' ||
						!(LIST_TYPES as readonly string[]).includes(listType)
					) {
						return invalidParams(`list_type must be one of ${LIST_TYPES.join(', ')}`);
					}
					const list = state.createCustomerList(acc.id, name, listType as UserListType, records);
					return ok(state.renderCustomerList(list), 201);
				}),
			},
		},
		{
			method: 'GET',
			pattern: '/v5/ad_accounts/:adAccountId/customer_lists/:customerListId',
			handler: {
				category: 'ads_read',
				run: withAccount((ctx, acc) => {
					const list = state.customerList(acc.id, ctx.params.customerListId);
					if (!list) return customerListNotFound();
					state.settleList(list);
					return ok(state.renderCustomerList(list));
				}),
			},
		},
		{
			method: 'PATCH',
			pattern: '/v5/ad_accounts/:adAccountId/customer_lists/:customerListId',
			handler: {
				category: 'ads_write',
				countsRecords: true,
				run: withAccount((ctx, acc) => {
					const body = parseJsonObject(ctx.body);
					if (isReply(body)) return body;
					const records = recordsOf(ctx, body, true);
					if (isReply(records)) return records;
					const list = state.customerList(acc.id, ctx.params.customerListId);
					if (!list) return customerListNotFound();
					const op = body.operation_type;
					if (op !== 'ADD' && op !== 'REMOVE')
						return invalidParams('operation_type must be ADD or REMOVE');
					state.updateCustomerList(list, op, records);
					return ok(state.renderCustomerList(list));
				}),
			},
		},
	];
	return routes;
}
