import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';

import type { PinterestRequest } from '../engine/pinterest';
import { DEFAULT_REQUEST_TIMEOUT_SECONDS, MS_PER_SECOND } from '../engine/pinterest';

/** What every Pinterest request is made of, whichever n8n helper sends it. */
export const CREDENTIAL_TYPE = 'pinterestOAuth2Api';
export type PinterestContext = IExecuteFunctions | ILoadOptionsFunctions;

const PRODUCTION_API = 'https://api.pinterest.com/v5';
const SANDBOX_API = 'https://api-sandbox.pinterest.com/v5';
/** A request without a timeout of its own waits as long as Sync Users' default Request Timeout. */
export const DEFAULT_TIMEOUT_MS = DEFAULT_REQUEST_TIMEOUT_SECONDS * MS_PER_SECOND;

/** The API base for a credential's environment. */
export function apiBaseUrlFor(credentials: ICredentialDataDecryptedObject): string {
	if (credentials.environment === 'sandbox') return SANDBOX_API;
	if (credentials.environment === 'custom') {
		const origin = String(credentials.customBaseUrl ?? '')
			.trim()
			.replace(/\/+$/, '');
		return `${origin}/v5`;
	}
	return PRODUCTION_API;
}

export function httpOptions(baseUrl: string, request: PinterestRequest): IHttpRequestOptions {
	const options: IHttpRequestOptions = {
		method: request.method,
		url: `${baseUrl}${request.path}`,
		json: true,
		timeout: request.timeoutMs ?? DEFAULT_TIMEOUT_MS,
	};
	if (request.qs) options.qs = request.qs;
	if (request.body instanceof Uint8Array) {
		// Already JSON, sent as it is.
		options.body = Buffer.from(
			request.body.buffer,
			request.body.byteOffset,
			request.body.byteLength,
		);
		options.headers = { 'Content-Type': 'application/json' };
	} else if (request.body) options.body = request.body as IDataObject;
	return options;
}
