/** Pinterest's error bodies `{code, message}` and the reply type every handler returns. */
import { STATUS_CODES } from 'node:http';

/** What a handler answers. A class, so replies are never confused with parsed request bodies. */
export class Reply {
	constructor(
		readonly status: number,
		readonly body?: unknown,
		readonly headers?: Record<string, string>,
		/** For token-endpoint replies: the user the request concerned (for the log). */
		readonly userId?: string | null,
	) {}
}

export const isReply = (v: unknown): v is Reply => v instanceof Reply;

export interface ErrorBody {
	code: number;
	message: string;
	[extra: string]: unknown;
}

export const RATE_LIMIT_MESSAGE =
	'This request exceeded a rate limit. This can happen if the client exceeds one of the published rate limits within a short time window.';

export function errorReply(
	status: number,
	code: number,
	message: string,
	extra?: Record<string, unknown>,
): Reply {
	return new Reply(status, { code, message, ...extra });
}

export const authFailed = (): Reply => errorReply(401, 2, 'Authentication failed.');
export const notPermitted = (): Reply =>
	errorReply(403, 29, 'You are not permitted to access that resource.');
export const adAccountNotFound = (): Reply => errorReply(404, 2, 'AdAccount not found.');
export const audienceNotFound = (): Reply => errorReply(404, 2, 'Audience not found.');
export const customerListNotFound = (): Reply => errorReply(404, 2, 'Customer list not found.');
export const invalidParams = (detail?: string): Reply =>
	errorReply(400, 1, detail ? `Invalid parameters: ${detail}` : 'Invalid parameters.');
export const invalidAudienceParams = (detail: string): Reply =>
	errorReply(400, 400, `Invalid ad account audience parameters: ${detail}`);
export const methodNotAllowed = (): Reply => errorReply(405, 5, 'Method not allowed');
export const routeNotFound = (): Reply => errorReply(404, 404, 'Not found.');
export const rateLimited = (): Reply => errorReply(429, 8, RATE_LIMIT_MESSAGE);

/** Default body of a `status` fault: what Pinterest would send for that status. */
export function defaultErrorBody(status: number): ErrorBody {
	switch (status) {
		case 400:
			return { code: 1, message: 'Invalid parameters.' };
		case 401:
			return { code: 2, message: 'Authentication failed.' };
		case 403:
			return { code: 29, message: 'You are not permitted to access that resource.' };
		case 404:
			return { code: 404, message: 'Not found.' };
		case 405:
			return { code: 5, message: 'Method not allowed' };
		case 429:
			return { code: 8, message: RATE_LIMIT_MESSAGE };
		default:
			return { code: status, message: STATUS_CODES[status] ?? 'Error' };
	}
}
