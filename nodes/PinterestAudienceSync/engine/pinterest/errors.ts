/**
 * A failed Pinterest call, reduced to what the engine decides on. Built by the transport from whatever
 * the HTTP layer threw, so the engine never sees n8n or axios types.
 */
export type NetworkFailure = 'timeout' | 'reset' | 'refused' | 'other';

export interface PinterestApiErrorDetails {
	status?: number;
	pinterestCode?: number;
	pinterestMessage?: string;
	retryAfterMs?: number;
	network?: NetworkFailure;
}

export class PinterestApiError extends Error implements PinterestApiErrorDetails {
	status?: number;
	pinterestCode?: number;
	pinterestMessage?: string;
	retryAfterMs?: number;
	network?: NetworkFailure;

	constructor(message: string, details: PinterestApiErrorDetails) {
		super(message);
		this.name = 'PinterestApiError';
		Object.assign(this, details);
	}
}

export type FailureKind =
	| 'rateLimited'
	| 'transient'
	| 'authExpired'
	| 'forbidden'
	| 'notFound'
	| 'invalidRequest'
	| 'unknown';

/**
 * Which retry policy a failure falls under: a 429, a 5xx, a timeout or a dropped connection passes and
 * is retried until the retry window ends (a 429 also slows the shared limiter); a token still refused
 * after its refresh, a missing permission, a gone ad account or audience and a bad request need the
 * user and are not retried.
 */
export function classifyFailure(error: unknown): FailureKind {
	if (!(error instanceof PinterestApiError)) return 'unknown';
	if (error.network) return 'transient';
	const status = error.status ?? 0;
	if (status === 429) return 'rateLimited';
	if (status >= 500 || status === 408) return 'transient';
	if (status === 401) return 'authExpired';
	if (status === 403) return 'forbidden';
	if (status === 404) return 'notFound';
	if (status >= 400) return 'invalidRequest';
	return 'unknown';
}

export function isRetryable(kind: FailureKind): boolean {
	return kind === 'rateLimited' || kind === 'transient';
}

/** The chosen audience cannot take users (wrong type, missing name): a settings problem, not an API one. */
export class AudienceProblem extends Error {
	constructor(
		message: string,
		readonly reason: string,
	) {
		super(message);
		this.name = 'AudienceProblem';
	}
}
