import { AudienceProblem, PinterestApiError, classifyFailure } from '../pinterest';
import { RedisLimiterUnavailable } from '../coordination';
import { RetryWindowEnded } from '../requests';

/** Where a failure happened, so the message can name it. */
export interface FailureContext {
	/** Absent for calls about the connected user's ad accounts as a whole (the ad account search). */
	adAccountId?: string;
	/** What the audience is to the marketer: "audience" unless said otherwise, e.g. "seed audience". */
	role?: string;
	audienceId?: string;
	audienceName?: string;
	customerListId?: string;
	retryWindowMs?: number;
	/** False where the node has no "Create New Audience" to offer when the audience is gone. */
	offersCreateNew?: boolean;
	/** True for Archive Audience: an audience not found may already be archived. */
	archiving?: boolean;
}

export interface MarketerMessage {
	/** Short, stable text: also the key of "error reasons by count". */
	reason: string;
	/** What happened, to what, and what to do. */
	message: string;
	httpStatus?: number;
}

export function audienceLabel(context: Omit<FailureContext, 'adAccountId'>): string {
	const role = context.role ?? 'audience';
	if (context.audienceName && context.audienceId)
		return `${role} "${context.audienceName}" (ID ${context.audienceId})`;
	if (context.audienceName) return `${role} "${context.audienceName}"`;
	if (context.audienceId) return `${role} ${context.audienceId}`;
	if (context.customerListId) return `customer list ${context.customerListId}`;
	return `the ${role}`;
}

function hasAudience(context: FailureContext): boolean {
	return Boolean(context.audienceId || context.audienceName || context.customerListId);
}

function accountLabel(context: FailureContext): string {
	return context.adAccountId ? `ad account ${context.adAccountId}` : 'the ad accounts';
}

/** The audience in its ad account, or the ad account alone when the call was not about an audience. */
function targetLabel(context: FailureContext): string {
	const account = accountLabel(context);
	return hasAudience(context) ? `${audienceLabel(context)} in ${account}` : account;
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

function minutes(ms: number | undefined): string {
	if (ms === undefined) return 'the retry window';
	const m = Math.round(ms / 60_000);
	return m >= 1 ? `${m} minute${m === 1 ? '' : 's'}` : `${Math.round(ms / 1000)} seconds`;
}

function retryWindowEnded(error: RetryWindowEnded, context: FailureContext): MarketerMessage {
	const last = error.lastError;
	const rateLimited = last instanceof PinterestApiError && last.status === 429;
	return {
		reason: rateLimited
			? 'rate limited until the retry window ended'
			: 'Pinterest unavailable until the retry window ended',
		message: `Pinterest kept answering ${rateLimited ? '"too many requests"' : 'with errors or not at all'} for ${minutes(context.retryWindowMs)} while syncing to ${audienceLabel(context)} in ${accountLabel(context)}, so these users were not synced. Run the workflow again later, or raise "Retry Window" in the node's options.`,
		httpStatus: last instanceof PinterestApiError ? last.status : undefined,
	};
}

function notFound(error: unknown, context: FailureContext): Omit<MarketerMessage, 'httpStatus'> {
	const adAccountGone =
		!hasAudience(context) ||
		(error instanceof PinterestApiError && /ad ?account/i.test(error.pinterestMessage ?? ''));
	if (adAccountGone)
		return {
			reason: 'ad account not found',
			message: `Pinterest does not know ${accountLabel(context)} (deleted, or not shared with the connected user). Pick another ad account.`,
		};
	if (context.archiving)
		return {
			reason: 'audience already archived or not found',
			message: `${capitalise(audienceLabel(context))} was not found in ${accountLabel(context)}: it is already archived, or it was deleted or belongs to another ad account. Nothing was archived; check the audience ID, or leave it out.`,
		};
	const createNew = context.offersCreateNew !== false ? ', or choose "Create New Audience"' : '';
	return {
		reason: 'audience not found',
		message: `${capitalise(audienceLabel(context))} was not found in ${accountLabel(context)}; it may have been deleted on Pinterest. Pick another audience${createNew}.`,
	};
}

/** What Pinterest said about a refused request: the request's shape, never a user's identifier. */
function pinterestSays(error: unknown): string {
	return error instanceof PinterestApiError && error.pinterestMessage
		? `: ${error.pinterestMessage.replace(/\.$/, '')}`
		: '';
}

function unreachable(error: unknown): string {
	if (!(error instanceof PinterestApiError)) return '';
	return ` (${error.network ?? `HTTP ${error.status ?? 'error'}`})`;
}

/**
 * Turns any failure of a Pinterest call into words for a marketer: what happened, to which ad account
 * or audience, and what to do. The one mapping behind Sync Users, the audience operations and the list
 * searches. Never includes identifiers of users or tokens: Pinterest's own message is added only for
 * validation errors, where it describes the request's shape.
 */
export function describeFailure(error: unknown, context: FailureContext): MarketerMessage {
	if (error instanceof AudienceProblem || error instanceof RedisLimiterUnavailable)
		return { reason: error.reason, message: error.message };
	if (error instanceof RetryWindowEnded) return retryWindowEnded(error, context);
	const httpStatus = error instanceof PinterestApiError ? error.status : undefined;
	const account = accountLabel(context);
	const target = targetLabel(context);
	const described = (reason: string, message: string): MarketerMessage => ({
		reason,
		message,
		httpStatus,
	});
	switch (classifyFailure(error)) {
		case 'authExpired':
			return described(
				'Pinterest connection rejected',
				`Pinterest rejected the connection's access to ${account}: the token was revoked or can no longer be refreshed. Reconnect the Pinterest credential in n8n (open the credential and click "Reconnect"), then run the workflow again.`,
			);
		case 'forbidden':
			return described(
				'no permission on the ad account',
				`The connected Pinterest user may not manage audiences in ${account}. Ask an owner of the ad account for the Owner, Admin or Audience Manager role, or pick another ad account.`,
			);
		case 'notFound':
			return { ...notFound(error, context), httpStatus };
		case 'invalidRequest':
			return described(
				'request refused by Pinterest',
				`Pinterest refused the request for ${target}${pinterestSays(error)}. Check the node's settings.`,
			);
		case 'rateLimited':
			return described(
				'Pinterest unavailable',
				`Pinterest kept answering "too many requests" for ${target}. Wait a minute and run the workflow again.`,
			);
		case 'transient':
			return described(
				'Pinterest unavailable',
				`Pinterest could not be reached for ${target}${unreachable(error)}. Run the workflow again later.`,
			);
		default:
			return described(
				'unexpected failure',
				`The request for ${target} failed unexpectedly: ${error instanceof Error ? error.name : 'unknown error'}. Run the workflow again; if it keeps failing, report it with the execution ID.`,
			);
	}
}
