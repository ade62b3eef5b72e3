import { AudienceProblem, PinterestApiError, classifyFailure } from './errors';
import { RedisLimiterUnavailable } from './redisLimiter';
import { RetryWindowEnded } from './retry';

/** Where a failure happened, so the message can name it. */
export interface FailureContext {
	adAccountId: string;
	audienceId?: string;
	audienceName?: string;
	customerListId?: string;
	retryWindowMs?: number;
}

export interface MarketerMessage {
	/** Short, stable text: also the key of "error reasons by count". */
	reason: string;
	/** What happened, to what, and what to do. */
	message: string;
	httpStatus?: number;
}

export function audienceLabel(context: Omit<FailureContext, 'adAccountId'>): string {
	if (context.audienceName && context.audienceId)
		return `audience "${context.audienceName}" (ID ${context.audienceId})`;
	if (context.audienceName) return `audience "${context.audienceName}"`;
	if (context.audienceId) return `audience ${context.audienceId}`;
	if (context.customerListId) return `customer list ${context.customerListId}`;
	return 'the audience';
}

function minutes(ms: number | undefined): string {
	if (ms === undefined) return 'the retry window';
	const m = Math.round(ms / 60_000);
	return m >= 1 ? `${m} minute${m === 1 ? '' : 's'}` : `${Math.round(ms / 1000)} seconds`;
}

/**
 * Turns any failure into words for a marketer. Never includes identifiers of users or tokens: Pinterest's
 * own message is added only for validation errors, where it describes the request's shape.
 */
export function describeFailure(error: unknown, context: FailureContext): MarketerMessage {
	const account = `ad account ${context.adAccountId}`;
	if (error instanceof AudienceProblem || error instanceof RedisLimiterUnavailable) {
		return { reason: error.reason, message: error.message };
	}
	if (error instanceof RetryWindowEnded) {
		const last = error.lastError;
		const rateLimited = last instanceof PinterestApiError && last.status === 429;
		return {
			reason: rateLimited
				? 'rate limited until the retry window ended'
				: 'Pinterest unavailable until the retry window ended',
			message: `Pinterest kept answering ${rateLimited ? '"too many requests"' : 'with errors or not at all'} for ${minutes(context.retryWindowMs)} while syncing to ${audienceLabel(context)} in ${account}, so these users were not synced. Run the workflow again later, or raise "Retry Window" in the node's options.`,
			httpStatus: last instanceof PinterestApiError ? last.status : undefined,
		};
	}
	const status = error instanceof PinterestApiError ? error.status : undefined;
	switch (classifyFailure(error)) {
		case 'authExpired':
			return {
				reason: 'Pinterest connection rejected',
				message: `Pinterest rejected the connection's access for ${account}: the token was revoked or can no longer be refreshed. Reconnect the Pinterest credential in n8n (open the credential and click "Reconnect"), then run the workflow again.`,
				httpStatus: status,
			};
		case 'forbidden':
			return {
				reason: 'no permission on the ad account',
				message: `The connected Pinterest user may not manage audiences in ${account}. Ask an owner of the ad account for the Owner, Admin or Audience Manager role, or pick another ad account.`,
				httpStatus: status,
			};
		case 'notFound': {
			const adAccountGone =
				error instanceof PinterestApiError && /ad ?account/i.test(error.pinterestMessage ?? '');
			return adAccountGone
				? {
						reason: 'ad account not found',
						message: `Pinterest does not know ${account} (deleted, or not shared with the connected user). Pick another ad account.`,
						httpStatus: status,
					}
				: {
						reason: 'audience not found',
						message: `${capitalise(audienceLabel(context))} no longer exists in ${account}; it may have been deleted on Pinterest. Pick another audience, or choose "Create New Audience".`,
						httpStatus: status,
					};
		}
		case 'invalidRequest':
			return {
				reason: 'request refused by Pinterest',
				message: `Pinterest refused the request for ${audienceLabel(context)} in ${account}${error instanceof PinterestApiError && error.pinterestMessage ? `: ${error.pinterestMessage}` : ''}. Check the node's settings.`,
				httpStatus: status,
			};
		case 'rateLimited':
		case 'transient':
			return {
				reason: 'Pinterest unavailable',
				message: `Pinterest could not be reached for ${audienceLabel(context)} in ${account}. Run the workflow again later.`,
				httpStatus: status,
			};
		default:
			return {
				reason: 'unexpected failure',
				message: `Syncing to ${audienceLabel(context)} in ${account} failed unexpectedly: ${error instanceof Error ? error.name : 'unknown error'}. Run the workflow again; if it keeps failing, report it with the execution ID.`,
				httpStatus: status,
			};
	}
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}
