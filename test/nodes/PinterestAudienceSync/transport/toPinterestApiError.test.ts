/**
 * toPinterestApiError over what n8n's HTTP helpers really throw in n8n 2.8.4 and 2.40.7:
 *
 * - `helpers.httpRequest` (the transport's path without token refresh) throws axios's AxiosError as it is,
 *   in both versions.
 * - `helpers.httpRequestWithAuthentication` (the path that may refresh) wraps whatever failed in
 *   `new NodeApiError(node, error)`: the AxiosError of the request, or the OAuth client's error when the
 *   refresh failed (an AuthError with code "EAUTH" for an OAuth error body, else a ResponseError with the
 *   token endpoint's status). n8n 2.40 turns an `invalid_grant` refresh into a NodeOperationError "The
 *   credential ... needs to be reconnected." with `failure: { cause: 'credential-invalid' }`, which the
 *   NodeApiError wrapping it copies.
 * - n8n 2.8's NodeApiError drops the wrapped error (its declared `cause` field resets what Error set)
 *   and keeps only `httpCode` (a status, or the network code such as "ETIMEDOUT", or "EAUTH"),
 *   `context.data` (an object body) and its message: response headers are gone. n8n 2.40's keeps the
 *   wrapped error as `cause`.
 *
 * Errors are built with the real classes: axios's AxiosError and n8n-workflow's NodeApiError /
 * NodeOperationError (the dev dependency, n8n 2.8's). For the 2.40 rows `cause` and `failure` are set as
 * 2.40's constructors set them. The OAuth client's two errors are copied below with their constructors.
 */
import { AxiosError, AxiosHeaders } from 'axios';
import type { JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type {
	FailureKind,
	NetworkFailure,
} from '../../../../nodes/PinterestAudienceSync/engine/pinterest';
import {
	PinterestApiError,
	classifyFailure,
} from '../../../../nodes/PinterestAudienceSync/engine/pinterest';
import { toPinterestApiError } from '../../../../nodes/PinterestAudienceSync/transport';
import { testNode } from '../../../helpers/n8nContext';

const node = testNode('1');

/** @n8n/client-oauth2's error for an OAuth error body (`{ error: 'invalid_grant' }`), both versions. */
class AuthError extends Error {
	constructor(
		message: string,
		readonly body: unknown,
		readonly code = 'EAUTH',
	) {
		super(message);
	}
}

/** @n8n/client-oauth2's error for any other failed answer of the token endpoint, both versions. */
class ResponseError extends Error {
	constructor(
		readonly status: number,
		readonly body: unknown,
		readonly code = 'ESTATUS',
	) {
		super(`HTTP status ${status}`);
	}
}

/** An axios error with Pinterest's answer, as axios builds it when `validateStatus` refuses a status. */
function answered(status: number, data: unknown, headers: Record<string, string> = {}): AxiosError {
	const config = { headers: new AxiosHeaders() };
	return new AxiosError(
		`Request failed with status code ${status}`,
		status >= 500 ? AxiosError.ERR_BAD_RESPONSE : AxiosError.ERR_BAD_REQUEST,
		config,
		{},
		{ status, statusText: '', headers, config, data },
	);
}

/** An axios error without an answer: the connection failed. */
function unanswered(code: string, message: string): AxiosError {
	return new AxiosError(message, code, { headers: new AxiosHeaders() }, {});
}

/** n8n 2.8.4: `httpRequestWithAuthentication` throws `new NodeApiError(node, error)`. */
function wrapped28(error: Error): NodeApiError {
	// n8n passes the Error itself; the declared parameter type is the JSON body case.
	return new NodeApiError(node, error as unknown as JsonObject);
}

/** n8n 2.40.7: the same NodeApiError, which there keeps the wrapped error as `cause` and its `failure`. */
function wrapped240(error: Error & { failure?: unknown }): NodeApiError {
	const wrapper = wrapped28(error);
	Object.defineProperty(wrapper, 'cause', { value: error, configurable: true, writable: true });
	if (error.failure !== undefined) Object.assign(wrapper, { failure: error.failure });
	return wrapper;
}

/** n8n 2.40.7's refresh of a revoked grant (`invalid_grant`). */
function reconnectError(): NodeOperationError {
	const error = new NodeOperationError(
		node,
		'The credential "Pinterest (test)" needs to be reconnected.',
		{
			description:
				'Access could not be refreshed because the connected account has revoked access, the refresh token expired, or the account password or permissions changed. Open the credential and reconnect it to continue.',
			level: 'warning',
		},
	);
	return Object.assign(error, { failure: { cause: 'credential-invalid' } });
}

const RATE_LIMITED = { code: 8, message: 'Rate limit exceeded' };
/** What the transport keeps of RATE_LIMITED. */
const RATE_LIMITED_BODY = { pinterestCode: 8, pinterestMessage: 'Rate limit exceeded' };
const TOKEN_INVALID = { code: 2, message: 'Authentication failed.' };
const AUDIENCE_GONE = { code: 2637, message: 'Audience not found.' };
const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Invalid refresh token' };

interface Expected {
	kind: FailureKind;
	status?: number;
	pinterestCode?: number;
	pinterestMessage?: string;
	retryAfterMs?: number;
	network?: NetworkFailure;
}

interface Row {
	thrown: string;
	error: () => unknown;
	/** The call was sent on the path that may refresh the token. */
	mayHaveRefreshed: boolean;
	expected: Expected;
}

const rows: Row[] = [
	// Both versions, the path without refresh: axios's error as it is.
	{
		thrown: 'AxiosError 429 with Retry-After',
		error: () => answered(429, RATE_LIMITED, { 'retry-after': '3' }),
		mayHaveRefreshed: false,
		expected: { kind: 'rateLimited', status: 429, ...RATE_LIMITED_BODY, retryAfterMs: 3000 },
	},
	{
		thrown: 'AxiosError 429 with X-RateLimit-Reset as a delay',
		error: () => answered(429, RATE_LIMITED, { 'x-ratelimit-reset': '2' }),
		mayHaveRefreshed: false,
		expected: { kind: 'rateLimited', status: 429, ...RATE_LIMITED_BODY, retryAfterMs: 2000 },
	},
	{
		thrown: 'AxiosError 503 with Retry-After',
		error: () => answered(503, 'Service Unavailable', { 'retry-after': '1' }),
		mayHaveRefreshed: false,
		expected: { kind: 'transient', status: 503, retryAfterMs: 1000 },
	},
	{
		thrown: 'AxiosError 401 with Pinterest body (token expired, refresh not allowed)',
		error: () => answered(401, TOKEN_INVALID),
		mayHaveRefreshed: false,
		expected: {
			kind: 'authExpired',
			status: 401,
			pinterestCode: 2,
			pinterestMessage: 'Authentication failed.',
		},
	},
	{
		thrown: 'AxiosError 404 with a JSON text body',
		error: () => answered(404, JSON.stringify(AUDIENCE_GONE)),
		mayHaveRefreshed: false,
		expected: {
			kind: 'notFound',
			status: 404,
			pinterestCode: 2637,
			pinterestMessage: 'Audience not found.',
		},
	},
	{
		thrown: 'AxiosError ECONNRESET',
		error: () => unanswered('ECONNRESET', 'socket hang up'),
		mayHaveRefreshed: false,
		expected: { kind: 'transient', network: 'reset' },
	},
	{
		thrown: 'AxiosError ETIMEDOUT',
		error: () => unanswered('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443'),
		mayHaveRefreshed: false,
		expected: { kind: 'transient', network: 'timeout' },
	},
	{
		thrown: 'AxiosError ECONNABORTED (axios timeout)',
		error: () => unanswered('ECONNABORTED', 'timeout of 30000ms exceeded'),
		mayHaveRefreshed: false,
		expected: { kind: 'transient', network: 'timeout' },
	},
	{
		thrown: 'AxiosError ECONNREFUSED',
		error: () => unanswered('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:8787'),
		mayHaveRefreshed: false,
		expected: { kind: 'transient', network: 'refused' },
	},
	{
		thrown: 'plain Error (nothing says Pinterest answered)',
		error: () => new Error('Unable to sign without access token'),
		mayHaveRefreshed: false,
		expected: { kind: 'transient', network: 'other' },
	},

	// n8n 2.8.4, the path that may refresh: NodeApiError without the wrapped error.
	{
		thrown: '2.8 NodeApiError(AxiosError 429): status and body kept, headers lost',
		error: () => wrapped28(answered(429, RATE_LIMITED, { 'retry-after': '3' })),
		mayHaveRefreshed: true,
		expected: { kind: 'rateLimited', status: 429, ...RATE_LIMITED_BODY },
	},
	{
		thrown: '2.8 NodeApiError(AxiosError 502)',
		error: () => wrapped28(answered(502, 'Bad Gateway')),
		mayHaveRefreshed: true,
		expected: { kind: 'transient', status: 502 },
	},
	{
		thrown: '2.8 NodeApiError(AxiosError 403 with Pinterest body)',
		error: () => wrapped28(answered(403, { code: 29, message: 'You are not permitted' })),
		mayHaveRefreshed: true,
		expected: {
			kind: 'forbidden',
			status: 403,
			pinterestCode: 29,
			pinterestMessage: 'You are not permitted',
		},
	},
	{
		thrown: '2.8 NodeApiError(AxiosError 401 with Pinterest body): refreshed, still refused',
		error: () => wrapped28(answered(401, TOKEN_INVALID)),
		mayHaveRefreshed: true,
		expected: {
			kind: 'authExpired',
			status: 401,
			pinterestCode: 2,
			pinterestMessage: 'Authentication failed.',
		},
	},
	{
		thrown: '2.8 NodeApiError(AxiosError ECONNRESET): code kept as httpCode',
		error: () => wrapped28(unanswered('ECONNRESET', 'socket hang up')),
		mayHaveRefreshed: true,
		expected: { kind: 'transient', network: 'reset' },
	},
	{
		thrown: '2.8 NodeApiError(AxiosError ETIMEDOUT): code kept as httpCode',
		error: () => wrapped28(unanswered('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443')),
		mayHaveRefreshed: true,
		expected: { kind: 'transient', network: 'timeout' },
	},
	{
		thrown: '2.8 NodeApiError(AuthError invalid_grant): 401 after a failed refresh',
		error: () =>
			wrapped28(new AuthError('The provided authorization grant is invalid', INVALID_GRANT)),
		mayHaveRefreshed: true,
		expected: { kind: 'authExpired', status: 401, pinterestMessage: 'token refresh failed' },
	},
	{
		thrown: '2.8 NodeApiError(ResponseError 400 from the token endpoint)',
		error: () => wrapped28(new ResponseError(400, '{"error":"unsupported"}')),
		mayHaveRefreshed: true,
		expected: { kind: 'authExpired', status: 401, pinterestMessage: 'token refresh failed' },
	},

	// n8n 2.40.7, the path that may refresh: NodeApiError with the wrapped error as `cause`.
	{
		thrown: '2.40 NodeApiError(AxiosError 429): headers read from the cause',
		error: () => wrapped240(answered(429, RATE_LIMITED, { 'retry-after': '3' })),
		mayHaveRefreshed: true,
		expected: { kind: 'rateLimited', status: 429, ...RATE_LIMITED_BODY, retryAfterMs: 3000 },
	},
	{
		thrown: '2.40 NodeApiError(AxiosError 500 with Retry-After)',
		error: () =>
			wrapped240(answered(500, { code: 1, message: 'Internal error' }, { 'retry-after': '2' })),
		mayHaveRefreshed: true,
		expected: {
			kind: 'transient',
			status: 500,
			pinterestCode: 1,
			pinterestMessage: 'Internal error',
			retryAfterMs: 2000,
		},
	},
	{
		thrown: '2.40 NodeApiError(AxiosError 404 with Pinterest body)',
		error: () => wrapped240(answered(404, AUDIENCE_GONE)),
		mayHaveRefreshed: true,
		expected: {
			kind: 'notFound',
			status: 404,
			pinterestCode: 2637,
			pinterestMessage: 'Audience not found.',
		},
	},
	{
		thrown: '2.40 NodeApiError(AxiosError ECONNRESET)',
		error: () => wrapped240(unanswered('ECONNRESET', 'socket hang up')),
		mayHaveRefreshed: true,
		expected: { kind: 'transient', network: 'reset' },
	},
	{
		thrown: '2.40 NodeApiError(AxiosError ETIMEDOUT)',
		error: () => wrapped240(unanswered('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.1:443')),
		mayHaveRefreshed: true,
		expected: { kind: 'transient', network: 'timeout' },
	},
	{
		thrown: '2.40 NodeApiError("needs to be reconnected"): 401 after a failed refresh',
		error: () => wrapped240(reconnectError()),
		mayHaveRefreshed: true,
		expected: { kind: 'authExpired', status: 401, pinterestMessage: 'token refresh failed' },
	},
	{
		thrown: '2.40 NodeApiError(ResponseError 401 from the token endpoint)',
		error: () => wrapped240(new ResponseError(401, 'Unauthorized')),
		mayHaveRefreshed: true,
		expected: { kind: 'authExpired', status: 401, pinterestMessage: 'token refresh failed' },
	},
];

describe('toPinterestApiError', () => {
	it.each(rows)('$thrown', ({ error, mayHaveRefreshed, expected }) => {
		const reduced = toPinterestApiError(error(), mayHaveRefreshed);

		expect(reduced).toBeInstanceOf(PinterestApiError);
		const { kind, ...details } = expected;
		expect({
			status: reduced.status,
			pinterestCode: reduced.pinterestCode,
			pinterestMessage: reduced.pinterestMessage,
			retryAfterMs: reduced.retryAfterMs,
			network: reduced.network,
		}).toEqual({
			status: undefined,
			pinterestCode: undefined,
			pinterestMessage: undefined,
			retryAfterMs: undefined,
			network: undefined,
			...details,
		});
		expect(classifyFailure(reduced)).toBe(kind);
	});

	it("keeps nothing of the request or response but the status and Pinterest's code and message", () => {
		const secret = 'pina_SECRET_ACCESS_TOKEN';
		const error = answered(400, { code: 1, message: 'Invalid parameters.' });
		error.config = { headers: new AxiosHeaders({ Authorization: `Bearer ${secret}` }) };

		const reduced = toPinterestApiError(wrapped240(error), true);

		expect(JSON.stringify({ ...reduced, message: reduced.message })).not.toContain(secret);
		expect(reduced.message).toBe('Pinterest answered 400');
	});

	it('passes a PinterestApiError through unchanged', () => {
		const original = new PinterestApiError('Pinterest answered 404', { status: 404 });

		expect(toPinterestApiError(original, true)).toBe(original);
	});
});
