import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { DEFAULT_BASE_DELAY_MS, callPinterest } from '../engine/requests';
import type {
	NetworkFailure,
	PinterestClient,
	PinterestPage,
	PinterestRequest,
	SendMark,
} from '../engine/pinterest';
import {
	DEFAULT_REQUESTS_PER_SECOND,
	MS_PER_MINUTE,
	PinterestApiError,
	bookmarkPages,
	newCallStats,
} from '../engine/pinterest';
import type { UserWriteLimiter } from '../engine/rateLimit';
import type { AuthGate } from '../engine/requests';
import type { EngineRuntime } from '../engine/runtime';
import { processRuntime } from '../engine/runtime';
import { NO_REFRESH, n8nCanSendWithoutRefresh } from './refreshControl';
import type { PinterestContext } from './request';
import { CREDENTIAL_TYPE, DEFAULT_TIMEOUT_MS, apiBaseUrlFor, httpOptions } from './request';
import { sendWithStoredToken } from './storedToken';

export { CREDENTIAL_TYPE, apiBaseUrlFor } from './request';
export type { PinterestContext } from './request';
export type { PinterestPage };

function headerValue(headers: unknown, name: string): string | undefined {
	if (!headers || typeof headers !== 'object') return undefined;
	const value = (headers as Record<string, unknown>)[name];
	return value === undefined || value === null ? undefined : String(value);
}

/** Seconds (`Retry-After`, `X-RateLimit-Reset` as a delay or an epoch) to milliseconds to wait. */
function retryAfterMs(headers: unknown): number | undefined {
	const retryAfter = headerValue(headers, 'retry-after');
	if (retryAfter !== undefined) {
		const seconds = Number(retryAfter);
		if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
		const date = Date.parse(retryAfter);
		if (!Number.isNaN(date)) return Math.max(0, date - Date.now());
	}
	const reset =
		headerValue(headers, 'x-ratelimit-reset') ??
		headerValue(headers, 'x-userendpoint-ratelimit-reset-seconds');
	if (reset !== undefined && Number.isFinite(Number(reset))) {
		const value = Number(reset);
		return value > 1e9 ? Math.max(0, value * 1000 - Date.now()) : Math.max(0, value * 1000);
	}
	return undefined;
}

function networkFailure(code: unknown): NetworkFailure | undefined {
	switch (code) {
		case 'ECONNABORTED':
		case 'ETIMEDOUT':
		case 'ESOCKETTIMEDOUT':
			return 'timeout';
		case 'ECONNRESET':
		case 'EPIPE':
		case 'ERR_SOCKET_CONNECTION_TIMEOUT':
			return 'reset';
		case 'ECONNREFUSED':
			return 'refused';
		case 'ENOTFOUND':
		case 'EAI_AGAIN':
		case 'EHOSTUNREACH':
		case 'ENETUNREACH':
			return 'other';
		default:
			return undefined;
	}
}

interface ErrorShape {
	message?: unknown;
	code?: unknown;
	status?: unknown;
	httpCode?: unknown;
	cause?: unknown;
	errorResponse?: unknown;
	failure?: { cause?: unknown };
	response?: { status?: unknown; headers?: unknown; data?: unknown };
	context?: { data?: unknown };
}

/** The error and those it wraps: NodeApiError keeps the original as `cause` and/or `errorResponse`, by version. */
function errorChain(error: unknown): ErrorShape[] {
	const chain: ErrorShape[] = [];
	const pending: unknown[] = [error];
	while (pending.length > 0 && chain.length < 8) {
		const current = pending.shift();
		if (!current || typeof current !== 'object' || chain.includes(current as ErrorShape)) continue;
		chain.push(current as ErrorShape);
		pending.push((current as ErrorShape).cause, (current as ErrorShape).errorResponse);
	}
	return chain;
}

/**
 * The refresh itself failed: the OAuth client's AuthError (n8n 2.8 keeps its code as `httpCode`), or
 * n8n 2.40's "needs to be reconnected" error.
 */
function isRefreshFailure(link: ErrorShape): boolean {
	return (
		link.code === 'EAUTH' ||
		link.httpCode === 'EAUTH' ||
		link.failure?.cause === 'credential-invalid' ||
		(typeof link.message === 'string' && /needs to be reconnected/i.test(link.message))
	);
}

interface HttpFailure {
	status?: number;
	headers?: unknown;
	body?: unknown;
	network?: NetworkFailure;
	refreshFailed: boolean;
}

/** The first HTTP answer in the chain (else a status n8n kept as `httpCode`), and any network code. */
function readChain(chain: ErrorShape[]): HttpFailure {
	const found: HttpFailure = { refreshFailed: chain.some(isRefreshFailure) };
	for (const link of chain) {
		if (link.response && found.status === undefined) {
			const status = Number(link.response.status);
			if (Number.isInteger(status) && status > 0) found.status = status;
			found.headers ??= link.response.headers;
			found.body ??= link.response.data;
		}
		// n8n 2.8's NodeApiError keeps a network error's code only as `httpCode`.
		found.network ??= networkFailure(link.code) ?? networkFailure(link.httpCode);
		found.body ??= link.context?.data;
	}
	found.status ??= chain
		.map((link) => Number(link.httpCode ?? link.status))
		.find((status) => Number.isInteger(status) && status >= 100);
	return found;
}

/** Pinterest's `{code, message}` error body, when the answer carried one. */
function pinterestBodyOf(body: unknown): { code?: number; message?: string } {
	const parsed = typeof body === 'string' ? safeJson(body) : body;
	if (!parsed || typeof parsed !== 'object') return {};
	const { code, message } = parsed as IDataObject;
	return {
		code: typeof code === 'number' ? code : undefined,
		message: typeof message === 'string' ? message : undefined,
	};
}

/**
 * Reduces whatever n8n's HTTP helpers threw (NodeApiError wrapping an axios error, a bare axios error,
 * the OAuth2 client's refresh error) to a PinterestApiError. Bodies are read for Pinterest's
 * `{code, message}` only; nothing else of the request or response is kept.
 */
export function toPinterestApiError(error: unknown, mayHaveRefreshed = false): PinterestApiError {
	if (error instanceof PinterestApiError) return error;
	const { status, headers, body, network, refreshFailed } = readChain(errorChain(error));
	const pinterest = pinterestBodyOf(body);
	// n8n does not always keep the OAuth client's error: a 400/401 without Pinterest's `{code, message}`
	// body on a call that may refresh came from the token endpoint.
	const tokenEndpointRefused =
		mayHaveRefreshed && (status === 400 || status === 401) && pinterest.code === undefined;
	if (refreshFailed || tokenEndpointRefused) {
		return new PinterestApiError('The Pinterest token could not be refreshed', {
			status: 401,
			pinterestCode: pinterest.code,
			pinterestMessage: 'token refresh failed',
		});
	}
	if (status === undefined) {
		return new PinterestApiError(
			`Pinterest could not be reached (${network ?? 'unknown network error'})`,
			{
				pinterestCode: pinterest.code,
				pinterestMessage: pinterest.message,
				network: network ?? 'other',
			},
		);
	}
	return new PinterestApiError(`Pinterest answered ${status}`, {
		status,
		pinterestCode: pinterest.code,
		pinterestMessage: pinterest.message,
		retryAfterMs: status === 429 || status >= 500 ? retryAfterMs(headers) : undefined,
	});
}

function safeJson(text: string): unknown {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/**
 * The only place that talks HTTP, through n8n's `httpRequestWithAuthentication`. A request that may
 * refresh the token lets n8n refresh on a 401 and store the new token; every other one must not refresh
 * (concurrent refreshes break Pinterest's rotating refresh tokens, see AuthGate): it asks n8n not to
 * (NO_REFRESH), or, on an n8n that refreshes on every 401 whatever it is asked, is signed with the
 * stored token instead (sendWithStoredToken).
 */
export async function sendPinterestRequest<T>(
	this: PinterestContext,
	request: PinterestRequest,
	allowTokenRefresh: boolean,
	onSend?: SendMark,
): Promise<T> {
	try {
		if (!allowTokenRefresh && !n8nCanSendWithoutRefresh())
			return await sendWithStoredToken.call<
				PinterestContext,
				[PinterestRequest, SendMark | undefined],
				Promise<T>
			>(this, request, onSend);
		// n8n reads the credential from its database here, for every request (so a token another worker
		// stored is used at once); the write limiter's window starts only after it, at `onSend`.
		const readStarted = performance.now();
		const credentials = await this.getCredentials(CREDENTIAL_TYPE);
		const credentialReadMs = performance.now() - readStarted;
		const options = httpOptions(apiBaseUrlFor(credentials), request);
		// n8n's helper reads the credential again, then sends: about as long as the read above took. With
		// refresh allowed it may also refresh the token after a 401 and send the request again.
		onSend?.(allowTokenRefresh ? { mayResend: true } : { leavesInMs: credentialReadMs });
		try {
			return (await this.helpers.httpRequestWithAuthentication.call(
				this,
				CREDENTIAL_TYPE,
				options,
				allowTokenRefresh ? undefined : NO_REFRESH,
			)) as T;
		} finally {
			if (allowTokenRefresh) onSend?.();
		}
	} catch (error) {
		throw toPinterestApiError(error, allowTokenRefresh);
	}
}

/** Same credential → same token refresh lock and coalescing; the node's credential ID names it. */
export function credentialKey(context: PinterestContext): string {
	const reference = context.getNode().credentials?.[CREDENTIAL_TYPE];
	return reference?.id ?? reference?.name ?? 'default';
}

/** The single operations and list searches retry a few times only: someone waits for the answer. */
const OPERATION_RETRY_POLICY = {
	deadline: Number.POSITIVE_INFINITY,
	baseDelayMs: DEFAULT_BASE_DELAY_MS,
	maxDelayMs: 10_000,
	maxAttempts: 4,
};

export interface ApiRequestOptions<T> {
	qs?: PinterestRequest['qs'];
	body?: object;
	timeoutMs?: number;
	/** For a create: finds the object when a lost answer may hide that it was created (see CallOptions). */
	findApplied?: () => Promise<T | undefined>;
	/** A write: it waits for a slot of the Pinterest user's write limiter, like every write of Sync Users. */
	write?: boolean;
	/** Attempts at most, instead of the operations' few retries (1: a read nobody must wait for). */
	maxAttempts?: number;
}

/**
 * The Pinterest user's write limiter: the one Sync Users uses, shared in queue mode by every worker, so
 * that an operation's writes count against the same limit as the syncs'.
 */
async function writeLimiterOf(
	context: PinterestContext,
	client: PinterestClient,
	gate: AuthGate,
	runtime: EngineRuntime,
): Promise<UserWriteLimiter> {
	const env = {
		client,
		gate,
		stats: newCallStats(),
		retryWindowMs: MS_PER_MINUTE,
		requestTimeoutMs: DEFAULT_TIMEOUT_MS,
	};
	const pinterestUserId = await runtime.targets.pinterestUserOf(env, credentialKey(context));
	return runtime.writeLimiters.limiterFor(pinterestUserId, DEFAULT_REQUESTS_PER_SECOND);
}

/**
 * One call of the audience operations or list searches, through the engine's request path like every
 * request of Sync Users: retried on rate limits and transient failures, and sent through the
 * credential's AuthGate, so it may refresh the token only while no other request (of any execution, and
 * in queue mode of any worker) can.
 */
export async function pinterestApiRequest<T>(
	this: PinterestContext,
	method: PinterestRequest['method'],
	path: string,
	options: ApiRequestOptions<T> = {},
): Promise<T> {
	let runtime: EngineRuntime;
	try {
		runtime = processRuntime();
	} catch (error) {
		// A configuration error, as Sync Users reports it.
		throw new NodeOperationError(
			this.getNode(),
			error instanceof Error ? error.message : String(error),
		);
	}
	const { findApplied, write, maxAttempts, ...request } = options;
	const client = pinterestClientFor(this);
	const gate = runtime.authGates.gateFor(credentialKey(this));
	const limiter = write ? await writeLimiterOf(this, client, gate, runtime) : undefined;
	return await callPinterest<T>(
		{ method, path, ...request },
		{
			client: () => client,
			gate,
			limiter,
			policy: {
				...OPERATION_RETRY_POLICY,
				maxAttempts: maxAttempts ?? OPERATION_RETRY_POLICY.maxAttempts,
			},
			stats: [],
			stopRetrying: () => client.isCancelled(),
			findApplied,
		},
	);
}

/**
 * The pages of a bookmark-paginated list from `bookmark` on, each one a pinterestApiRequest; `query`
 * adds the list's own parameters (e.g. `ownership_type`, `order`).
 */
export function pinterestApiPages<T>(
	this: PinterestContext,
	path: string,
	bookmark: string | null = null,
	query: Record<string, string> = {},
): AsyncGenerator<PinterestPage<T>> {
	const fetchPage = pinterestApiRequest<Partial<PinterestPage<T>>>;
	return bookmarkPages<T>(
		async (qs) => await fetchPage.call(this, 'GET', path, { qs: { ...query, ...qs } }),
		bookmark,
	);
}

function isCancelled(context: PinterestContext): boolean {
	const execution = context as Partial<Pick<IExecuteFunctions, 'getExecutionCancelSignal'>>;
	return execution.getExecutionCancelSignal?.()?.aborted ?? false;
}

/** The engine's view of this execution's transport. */
export function pinterestClientFor(context: PinterestContext): PinterestClient {
	return {
		request: <T>(request: PinterestRequest, allowTokenRefresh: boolean, onSend?: SendMark) =>
			sendPinterestRequest.call<
				PinterestContext,
				[PinterestRequest, boolean, SendMark | undefined],
				Promise<T>
			>(context, request, allowTokenRefresh, onSend),
		isCancelled: () => isCancelled(context),
	};
}
