/**
 * Admin HTTP API under /_emulator (no auth, no rate limits, no faults, no latency; logged with
 * category 'admin'). Lets other processes (n8n e2e, the demo, users) drive the emulator.
 *
 *   GET    /_emulator/demo                                   -> demo ids, tokens, client credentials
 *   GET    /_emulator/options                                -> effective options
 *   GET    /_emulator/log[?since=<seq>][&category=<c>]       -> {entries: RequestLogEntry[]}
 *   GET    /_emulator/stats                                  -> EmulatorStats
 *   POST   /_emulator/faults            FaultSpec            -> 201 {ok, pending}
 *   DELETE /_emulator/faults                                 -> {ok}
 *   POST   /_emulator/revoke            {userId?}            -> {ok}
 *   POST   /_emulator/expire            {userId?}            -> {ok}
 *   POST   /_emulator/reset                                  -> {ok}
 *   POST   /_emulator/tokens            {userId, lifetimeSec?, expired?} -> {access_token, refresh_token}
 *   POST   /_emulator/latency           {ms, jitterMs?}      -> {ok}
 *   GET    /_emulator/ad_accounts/:id/customer_lists[?name=] -> {items: CustomerList[]}
 *   GET    /_emulator/ad_accounts/:id/audiences[?name=]      -> {items: Audience[]}
 *   GET    /_emulator/ad_accounts/:id/customer_lists/:cid/records -> {records: string[]}
 *   POST   /_emulator/ad_accounts/:id/audiences/:aid/delete  -> {ok}
 *   POST   /_emulator/ad_accounts/:id/audiences/:aid/share   {recipientAdAccountId} -> {ok}
 *   POST   /_emulator/ad_accounts/:id/customer_lists/:cid/exceptions {exceptions} -> {ok}
 *   POST   /_emulator/ad_accounts/:id/delete                 -> {ok}
 * Errors: 400 {code: 1, message} for bad input, 404 {code: 404, message} for unknown objects.
 */
import { errorReply, Reply } from './errors';
import { FaultValidationError } from './faults';
import type { RouteDef } from './router';
import type { AdminHandler } from './server';
import type { Emulator, FaultSpec } from './types';

/** Thrown by Emulator helpers for unknown users, accounts, lists or audiences. */
export class EmulatorNotFoundError extends Error {}

function parseBody(body: string): Record<string, unknown> | Reply {
	if (body.trim() === '') return {};
	try {
		const v: unknown = JSON.parse(body);
		if (typeof v === 'object' && v !== null && !Array.isArray(v))
			return v as Record<string, unknown>;
	} catch {
		// fall through
	}
	return errorReply(400, 1, 'Invalid request: body must be a JSON object');
}

const ok = (body: unknown = { ok: true }, status = 200) => new Reply(status, body);

function optionalUserId(body: Record<string, unknown>): string | undefined | Reply {
	const u = body.userId;
	if (u === undefined || u === null) return undefined;
	if (typeof u !== 'string') return errorReply(400, 1, 'userId must be a string');
	return u;
}

/** Runs `fn`, mapping the emulator's not-found errors to 404. */
function guarded(fn: () => Reply): Reply {
	try {
		return fn();
	} catch (err: unknown) {
		if (err instanceof EmulatorNotFoundError) return errorReply(404, 404, err.message);
		if (err instanceof FaultValidationError) return errorReply(400, 1, err.message);
		throw err;
	}
}

export function createAdminRoutes(emu: Emulator): RouteDef<AdminHandler>[] {
	const withBody =
		(fn: (body: Record<string, unknown>) => Reply): AdminHandler =>
		(ctx) => {
			const body = parseBody(ctx.body);
			if (body instanceof Reply) return body;
			return guarded(() => fn(body));
		};
	return [
		{ method: 'GET', pattern: '/_emulator/demo', handler: () => ok(emu.demo) },
		{ method: 'GET', pattern: '/_emulator/options', handler: () => ok(emu.options) },
		{
			method: 'GET',
			pattern: '/_emulator/log',
			handler: (ctx) => {
				const since = Number(ctx.query.get('since') ?? '0');
				const category = ctx.query.get('category');
				const entries = emu.log.filter(
					(e) =>
						e.seq > (Number.isFinite(since) ? since : 0) &&
						(category === null || e.category === category),
				);
				return ok({ entries });
			},
		},
		{ method: 'GET', pattern: '/_emulator/stats', handler: () => ok(emu.stats()) },
		{
			method: 'POST',
			pattern: '/_emulator/faults',
			handler: withBody((body) => {
				emu.addFault(body as FaultSpec);
				return ok({ ok: true }, 201);
			}),
		},
		{
			method: 'DELETE',
			pattern: '/_emulator/faults',
			handler: () => {
				emu.clearFaults();
				return ok();
			},
		},
		{
			method: 'POST',
			pattern: '/_emulator/revoke',
			handler: withBody((body) => {
				const userId = optionalUserId(body);
				if (userId instanceof Reply) return userId;
				emu.revokeTokens(userId);
				return ok();
			}),
		},
		{
			method: 'POST',
			pattern: '/_emulator/expire',
			handler: withBody((body) => {
				const userId = optionalUserId(body);
				if (userId instanceof Reply) return userId;
				emu.expireAccessTokens(userId);
				return ok();
			}),
		},
		{
			method: 'POST',
			pattern: '/_emulator/reset',
			handler: () => {
				emu.reset();
				return ok();
			},
		},
		{
			method: 'POST',
			pattern: '/_emulator/tokens',
			handler: withBody((body) => {
				const { userId, lifetimeSec, expired } = body;
				if (typeof userId !== 'string') return errorReply(400, 1, 'userId is required');
				if (lifetimeSec !== undefined && !(typeof lifetimeSec === 'number' && lifetimeSec > 0)) {
					return errorReply(400, 1, 'lifetimeSec must be a positive number');
				}
				return ok(emu.issueTokens(userId, { lifetimeSec, expired: expired === true }), 201);
			}),
		},
		{
			method: 'POST',
			pattern: '/_emulator/latency',
			handler: withBody((body) => {
				const { ms, jitterMs } = body;
				if (typeof ms !== 'number' || ms < 0) return errorReply(400, 1, 'ms must be a number >= 0');
				if (jitterMs !== undefined && !(typeof jitterMs === 'number' && jitterMs >= 0)) {
					return errorReply(400, 1, 'jitterMs must be a number >= 0');
				}
				emu.setLatency(ms, jitterMs);
				return ok();
			}),
		},
		{
			method: 'GET',
			pattern: '/_emulator/ad_accounts/:adAccountId/customer_lists',
			handler: (ctx) =>
				ok({
					items: emu.findCustomerLists(ctx.params.adAccountId, ctx.query.get('name') ?? undefined),
				}),
		},
		{
			method: 'GET',
			pattern: '/_emulator/ad_accounts/:adAccountId/audiences',
			handler: (ctx) =>
				ok({
					items: emu.findAudiences(ctx.params.adAccountId, ctx.query.get('name') ?? undefined),
				}),
		},
		{
			method: 'GET',
			pattern: '/_emulator/ad_accounts/:adAccountId/customer_lists/:customerListId/records',
			handler: (ctx) =>
				guarded(() =>
					ok({ records: [...emu.listRecords(ctx.params.adAccountId, ctx.params.customerListId)] }),
				),
		},
		{
			method: 'POST',
			pattern: '/_emulator/ad_accounts/:adAccountId/audiences/:audienceId/delete',
			handler: (ctx) =>
				guarded(() => {
					emu.deleteAudience(ctx.params.adAccountId, ctx.params.audienceId);
					return ok();
				}),
		},
		{
			method: 'POST',
			pattern: '/_emulator/ad_accounts/:adAccountId/audiences/:audienceId/share',
			handler: (ctx) =>
				withBody((body) => {
					const recipient = body.recipientAdAccountId;
					if (typeof recipient !== 'string')
						return errorReply(400, 1, 'recipientAdAccountId is required');
					emu.shareAudience(ctx.params.adAccountId, ctx.params.audienceId, recipient);
					return ok();
				})(ctx),
		},
		{
			method: 'POST',
			pattern: '/_emulator/ad_accounts/:adAccountId/customer_lists/:customerListId/exceptions',
			handler: (ctx) =>
				withBody((body) => {
					const { exceptions } = body;
					if (typeof exceptions !== 'object' || exceptions === null || Array.isArray(exceptions))
						return errorReply(400, 1, 'exceptions must be an object');
					emu.setCustomerListExceptions(
						ctx.params.adAccountId,
						ctx.params.customerListId,
						exceptions as Record<string, unknown>,
					);
					return ok();
				})(ctx),
		},
		{
			method: 'POST',
			pattern: '/_emulator/ad_accounts/:adAccountId/delete',
			handler: (ctx) =>
				guarded(() => {
					emu.deleteAdAccount(ctx.params.adAccountId);
					return ok();
				}),
		},
	];
}
