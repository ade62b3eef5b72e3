import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
} from 'n8n-workflow';

import type { PinterestRequest } from '../engine/client';

/** What every Pinterest request is made of, whichever n8n helper sends it. */
export const CREDENTIAL_TYPE = 'pinterestOAuth2Api';
export type PinterestContext = IExecuteFunctions | ILoadOptionsFunctions;

const PRODUCTION_API = 'https://api.pinterest.com/v5';
const SANDBOX_API = 'https://api-sandbox.pinterest.com/v5';
const DEFAULT_TIMEOUT_MS = 30_000;

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
	if (request.body) options.body = request.body as IDataObject;
	return options;
}
