/**
 * A PinterestClient for tests without n8n: fetch against the emulator. Maps answers and network
 * failures to PinterestApiError like the node's transport does, and calls `onSend` right before a
 * request leaves, like the transport.
 *
 * The token comes either fixed, or from a `CredentialStore`: a JSON file every process reads for each
 * request, as n8n reads a credential from its database for each request. With a store, a request
 * allowed to refresh does what n8n's OAuth2 request does: on a 401 it refreshes the token at the token
 * endpoint (HTTP Basic, refresh_token grant), stores the new pair, and sends the request again.
 */
import { readFileSync, renameSync, writeFileSync } from 'fs';

import type {
	PinterestClient,
	PinterestRequest,
	SendMark,
} from '../../nodes/PinterestAudienceSync/engine/pinterest';
import { PinterestApiError } from '../../nodes/PinterestAudienceSync/engine/pinterest';

export interface CredentialStore {
	/** JSON `{ access_token, refresh_token }`, rewritten on each refresh. */
	file: string;
	tokenUrl: string;
	clientId: string;
	clientSecret: string;
}

interface StoredTokens {
	access_token: string;
	refresh_token: string;
}

function readTokens(store: CredentialStore): StoredTokens {
	return JSON.parse(readFileSync(store.file, 'utf8')) as StoredTokens;
}

export function writeTokens(file: string, tokens: StoredTokens): void {
	const temporary = `${file}.${process.pid}.tmp`;
	writeFileSync(temporary, JSON.stringify(tokens));
	renameSync(temporary, file);
}

async function refresh(store: CredentialStore, refreshToken: string): Promise<void> {
	let response: Response;
	try {
		response = await fetch(store.tokenUrl, {
			method: 'POST',
			headers: {
				Authorization: `Basic ${Buffer.from(`${store.clientId}:${store.clientSecret}`).toString('base64')}`,
				'Content-Type': 'application/x-www-form-urlencoded',
			},
			body: new URLSearchParams({
				grant_type: 'refresh_token',
				refresh_token: refreshToken,
			}).toString(),
		});
	} catch {
		throw new PinterestApiError('Pinterest could not be reached', { network: 'reset' });
	}
	const body = (await response.json()) as Partial<StoredTokens>;
	if (!response.ok || !body.access_token || !body.refresh_token) {
		// As the transport reports a refused refresh: a 401 that refreshing did not cure.
		throw new PinterestApiError('The token refresh was refused', {
			status: 401,
			pinterestMessage: 'token refresh failed',
		});
	}
	writeTokens(store.file, { access_token: body.access_token, refresh_token: body.refresh_token });
}

export function fetchClient(apiBaseUrl: string, token: string | CredentialStore): PinterestClient {
	const send = async <T>(
		request: PinterestRequest,
		accessToken: string,
		onSend?: SendMark,
	): Promise<T> => {
		const url = new URL(`${apiBaseUrl}${request.path}`);
		for (const [key, value] of Object.entries(request.qs ?? {}))
			url.searchParams.set(key, String(value));
		let response: Response;
		try {
			onSend?.();
			response = await fetch(url, {
				method: request.method,
				headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
				body:
					request.body === undefined || request.body instanceof Uint8Array
						? request.body
						: JSON.stringify(request.body),
				signal: AbortSignal.timeout(request.timeoutMs ?? 30_000),
			});
		} catch (error) {
			const timeout =
				error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError');
			throw new PinterestApiError('Pinterest could not be reached', {
				network: timeout ? 'timeout' : 'reset',
			});
		}
		const text = await response.text();
		const body: unknown = text ? JSON.parse(text) : undefined;
		if (!response.ok) {
			const retryAfter = Number(response.headers.get('retry-after'));
			const details = (body ?? {}) as { code?: number; message?: string };
			throw new PinterestApiError(`Pinterest answered ${response.status}`, {
				status: response.status,
				pinterestCode: details.code,
				pinterestMessage: details.message,
				retryAfterMs: Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
			});
		}
		return body as T;
	};
	return {
		isCancelled: () => false,
		async request<T>(
			request: PinterestRequest,
			allowTokenRefresh: boolean,
			onSend?: SendMark,
		): Promise<T> {
			if (typeof token === 'string') return await send<T>(request, token, onSend);
			const stored = readTokens(token);
			if (!allowTokenRefresh) return await send<T>(request, stored.access_token, onSend);
			// Like n8n's OAuth2 request: may send the request twice (before and after a refresh).
			try {
				return await send<T>(request, stored.access_token, () => onSend?.({ mayResend: true }));
			} catch (error) {
				if (!(error instanceof PinterestApiError) || error.status !== 401) throw error;
				await refresh(token, stored.refresh_token);
				return await send<T>(request, readTokens(token).access_token, () =>
					onSend?.({ mayResend: true }),
				);
			} finally {
				onSend?.();
			}
		},
	};
}
