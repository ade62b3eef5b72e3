/** What the engine needs from the transport: one authenticated Pinterest request. No n8n types here. */
export type HttpMethod = 'GET' | 'POST' | 'PATCH';

/** What a customer-list write does with its records. */
export type ListOperation = 'ADD' | 'REMOVE';

/** What became of one request's records: accepted, or failed with `error`. */
export type BatchOutcome = { ok: true } | { ok: false; error: unknown };

/**
 * Called by the transport right before a request leaves, so the write limiter counts its window from
 * the send. `more`: the request may be sent again before it settles (n8n's OAuth2 path re-sends it after
 * refreshing the token); it then calls `onSend()` again once settled.
 */
export type SendMark = (more?: boolean) => void;

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
	 * its window from the send; with `more` while n8n may still send it again (see SendMark).
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
