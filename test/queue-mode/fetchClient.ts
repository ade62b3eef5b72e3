/**
 * A PinterestClient for tests without n8n: fetch against the emulator with a fixed bearer token.
 * Maps answers and network failures to PinterestApiError like the node's transport does.
 */
import type {
	PinterestClient,
	PinterestRequest,
} from '../../nodes/PinterestAudienceSync/engine/client';
import { PinterestApiError } from '../../nodes/PinterestAudienceSync/engine/errors';

export function fetchClient(apiBaseUrl: string, accessToken: string): PinterestClient {
	return {
		isCancelled: () => false,
		async request<T>(request: PinterestRequest): Promise<T> {
			const url = new URL(`${apiBaseUrl}${request.path}`);
			for (const [key, value] of Object.entries(request.qs ?? {}))
				url.searchParams.set(key, String(value));
			let response: Response;
			try {
				response = await fetch(url, {
					method: request.method,
					headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
					body: request.body === undefined ? undefined : JSON.stringify(request.body),
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
					retryAfterMs:
						Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : undefined,
				});
			}
			return body as T;
		},
	};
}
