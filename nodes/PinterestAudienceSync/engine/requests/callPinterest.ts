import type { AuthGate } from './authGate';
import { sendAgainAfterExpiry } from './authGate';
import { sleep } from '../coordination';
import type { CallStats, PinterestClient, PinterestRequest, SendMark } from '../pinterest';
import { PinterestApiError, classifyFailure, isRetryable } from '../pinterest';
import type { UserWriteLimiter } from '../rateLimit';

export interface RetryPolicy {
	/** Absolute time (ms since epoch) after which no new attempt starts. */
	deadline: number;
	baseDelayMs: number;
	maxDelayMs: number;
	/** Attempts at most, the first one included; unbounded (only the deadline) when absent. */
	maxAttempts?: number;
}

export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 30_000;

/** Exponential backoff with full jitter, or the server's own wait when it names one. */
export function backoffDelay(attempt: number, policy: RetryPolicy, retryAfterMs?: number): number {
	if (retryAfterMs !== undefined && retryAfterMs >= 0)
		return Math.min(retryAfterMs, policy.maxDelayMs);
	const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** attempt);
	return ceiling / 2 + Math.random() * (ceiling / 2);
}

/** The cheapest authenticated read (counts only against the universal limit). */
const TOKEN_PROBE: PinterestRequest = { method: 'GET', path: '/user_account' };

export interface CallOptions<T = unknown> {
	/** Picks the client for each attempt, e.g. one of a coalesced batch's executions still running. */
	client: () => PinterestClient;
	gate: AuthGate;
	/** Writes go through the Pinterest user's limiter; reads do not. */
	limiter?: UserWriteLimiter;
	policy: RetryPolicy;
	/** Every execution whose users ride in this request. */
	stats: CallStats[];
	now?: () => number;
	/** Returns an error to give up with before the next attempt, e.g. the list is known to be gone. */
	shouldStop?: () => unknown;
	/** True when a transient failure is to be thrown as it is instead of retried (the execution was cancelled). */
	stopRetrying?: () => boolean;
	/**
	 * For a create, which is not idempotent: after a failure whose answer may have been lost although
	 * Pinterest applied it, looks for the created object; when found, it is the call's result and the
	 * create is not sent again.
	 */
	findApplied?: () => Promise<T | undefined>;
}

/** A timeout, a dropped connection or a 5xx: Pinterest may have applied the request although its answer was lost. */
export function mayHaveBeenApplied(error: unknown): boolean {
	if (!(error instanceof PinterestApiError)) return false;
	if (error.network) return error.network !== 'refused';
	return (error.status ?? 0) >= 500;
}

/**
 * One logical Pinterest call, the path of every request of the node: limited, serialised around token
 * refreshes, retried on 429/5xx/timeouts/resets until the policy's deadline or attempts run out.
 * Permanent failures (401 after refresh, 403, 404, 400) are thrown at once.
 */
export async function callPinterest<T>(
	request: PinterestRequest,
	options: CallOptions<T>,
): Promise<T> {
	const now = options.now ?? Date.now;
	// A write verifies the token with this read: the write itself is then sent once per attempt.
	const probe = (): Promise<unknown> => options.client().request(TOKEN_PROBE, true);
	for (let attempt = 0; ; attempt++) {
		const send = (allowTokenRefresh: boolean, onSend?: SendMark): Promise<T> => {
			const stop = options.shouldStop?.();
			if (stop !== undefined) return Promise.reject(stop);
			for (const stats of options.stats) stats.requests++;
			return options.client().request<T>(request, allowTokenRefresh, onSend);
		};
		try {
			const { limiter } = options;
			// A request refused for an expired token is sent again as a new write: through the limiter again.
			const result = await sendAgainAfterExpiry(() =>
				limiter
					? limiter.schedule((onSend) => options.gate.run((allow) => send(allow, onSend), probe))
					: options.gate.run((allow) => send(allow)),
			);
			if (limiter) await limiter.onSuccess();
			return result;
		} catch (error) {
			const kind = classifyFailure(error);
			if (kind === 'rateLimited') {
				for (const stats of options.stats) stats.rateLimited++;
				if (options.limiter) await options.limiter.onRateLimited();
			}
			if (!isRetryable(kind)) throw error;
			if (options.findApplied && mayHaveBeenApplied(error)) {
				const applied = await options.findApplied();
				if (applied !== undefined) return applied;
			}
			const { maxAttempts } = options.policy;
			if (options.stopRetrying?.() || (maxAttempts !== undefined && attempt + 1 >= maxAttempts))
				throw error;
			const retryAfterMs = error instanceof PinterestApiError ? error.retryAfterMs : undefined;
			const delay = backoffDelay(attempt, options.policy, retryAfterMs);
			if (now() + delay > options.policy.deadline) throw new RetryWindowEnded(error);
			for (const stats of options.stats) stats.retries++;
			await sleep(delay);
		}
	}
}

/** The retry window ran out while Pinterest kept failing transiently. */
export class RetryWindowEnded extends Error {
	constructor(readonly lastError: unknown) {
		super('The retry window ended before Pinterest accepted the request');
		this.name = 'RetryWindowEnded';
	}
}

/** How one run calls Pinterest: client, the credential's token gate, counters, retry window, timeout. */
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
