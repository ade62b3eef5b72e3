/** What the engine needs from the transport: one authenticated Pinterest request. No n8n types here. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH';

/** What a customer-list write does with its records. */
export type ListOperation = 'ADD' | 'REMOVE';

/** What became of one request's records: accepted, or failed with `error`. */
export type BatchOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Called by the transport when a request leaves, so the write limiter counts its window from the send:
 * - `onSend()`: it leaves now;
 * - `onSend({ leavesInMs })`: it leaves once, in about that long (n8n's helper reads the credential
 *   from its database again before sending; the transport times its own read of it just before);
 * - `onSend({ mayResend: true })`: it may be sent again before it settles (n8n's OAuth2 path re-sends
 *   it after refreshing the token); `onSend()` follows once it settled.
 */
export type SendMark = (how?: { leavesInMs?: number; mayResend?: boolean }) => void;

export interface PinterestRequest {
	method: HttpMethod;
	/** Path below the API base, e.g. `/ad_accounts/1/customer_lists/2`. */
	path: string;
	qs?: Record<string, string | number | boolean>;
	/** JSON: an object, or the bytes of one already encoded (a customer-list write's records). */
	body?: object | Uint8Array;
	timeoutMs?: number;
}

export interface PinterestClient {
	/**
	 * Sends one request. With `allowTokenRefresh` false an expired token surfaces as a 401 instead of
	 * starting a refresh, so that only one request at a time may refresh (see AuthGate).
	 * Throws PinterestApiError. `onSend`, when given, is called right before the request leaves (after
	 * everything that may take time first, such as reading the credential), so the write limiter counts
	 * its window from the send (see SendMark).
	 */
	request<T>(request: PinterestRequest, allowTokenRefresh: boolean, onSend?: SendMark): Promise<T>;
	/** True once the execution this client belongs to was cancelled. */
	isCancelled(): boolean;
}

/** Counters one execution reports in its Metrics item. */
export interface CallStats {
	requests: number;
	retries: number;
	rateLimited: number;
}

export function newCallStats(): CallStats {
	return { requests: 0, retries: 0, rateLimited: 0 };
}
