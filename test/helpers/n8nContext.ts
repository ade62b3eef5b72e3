/**
 * A stand-in for n8n's execution context that performs REAL HTTP (axios) against the emulator, with
 * n8n's OAuth2 behaviour: `httpRequestWithAuthentication` signs with the stored token and, on a 401,
 * refreshes it at the token URL with Basic client auth, stores the new pair and retries once. Which
 * n8n it models (`setModelledN8n`): by default n8n-core before 2.14 (n8n 2.8), which refreshes on every 401
 * whatever the call asks; or 2.14 and later (n8n 2.41), which refreshes only on the call's
 * `oauth2.tokenExpiredStatusCode`. It fakes n8n, never our code; the end-to-end suite runs the same
 * node inside real n8n.
 */
import axios, { type AxiosRequestConfig } from 'axios';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	INode,
	INodeExecutionData,
	NodeParameterValueType,
} from 'n8n-workflow';
import { NodeApiError } from 'n8n-workflow';

/** The two behaviours of n8n's OAuth2 request path the node meets (see transport/refreshControl). */
export const N8N_LINES = ['n8n-core before 2.14', 'n8n-core 2.14 and later'] as const;
export type N8nLine = (typeof N8N_LINES)[number];

let modelled: N8nLine = N8N_LINES[0];

/** Contexts created from now on behave like `line` (test/helpers/n8nLines.ts also tells the node). */
export function setModelledN8n(line: N8nLine): void {
	modelled = line;
}

export interface FakeCredential {
	environment: 'production' | 'sandbox' | 'custom';
	customBaseUrl?: string;
	clientId: string;
	clientSecret: string;
	oauthTokenData: { access_token: string; refresh_token?: string; [key: string]: unknown };
}

export interface ContextOptions {
	credential: FakeCredential;
	/** Shared between contexts to model one stored credential used by several executions. */
	credentialId?: string;
	parameters: Record<string, unknown>;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	cancelSignal?: AbortSignal;
	/** n8n's execution ID; each context is an execution of its own unless several share one (a loop's rounds). */
	executionId?: string;
}

export interface ContextRecorder {
	refreshes: number;
}

export function testNode(credentialId: string): INode {
	return {
		id: 'node-1',
		name: 'Pinterest Audience Sync',
		type: 'CUSTOM.pinterestAudienceSync',
		typeVersion: 1,
		position: [0, 0],
		parameters: {},
		credentials: { pinterestOAuth2Api: { id: credentialId, name: 'Pinterest (test)' } },
	};
}

function evaluate(value: unknown, item: INodeExecutionData | undefined): unknown {
	if (typeof value !== 'string' || !value.startsWith('=')) return value;
	const template = value.slice(1);
	const whole = /^\{\{([\s\S]*)\}\}$/.exec(template.trim());
	// eslint-disable-next-line @typescript-eslint/no-implied-eval
	const run = (code: string): unknown =>
		new Function('$json', `return (${code});`)(item?.json ?? {});
	if (whole) return run(whole[1]);
	return template.replace(/\{\{([\s\S]*?)\}\}/g, (_, code: string) => String(run(code)));
}

function getPath(source: Record<string, unknown>, name: string): unknown {
	return name
		.split('.')
		.reduce<unknown>(
			(value, key) =>
				value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined,
			source,
		);
}

async function send(options: IHttpRequestOptions, authorization?: string): Promise<unknown> {
	const config: AxiosRequestConfig = {
		method: options.method ?? 'GET',
		url: options.url,
		params: options.qs,
		data: options.body,
		timeout: options.timeout,
		headers: {
			...(options.headers as Record<string, string>),
			...(authorization ? { Authorization: authorization } : {}),
		},
	};
	const response = await axios.request(config);
	return response.data;
}

function tokenUrl(credential: FakeCredential): string {
	return `${(credential.customBaseUrl ?? '').replace(/\/+$/, '')}/v5/oauth/token`;
}

let executions = 0;

export function createExecuteContext(
	options: ContextOptions,
	recorder: ContextRecorder = { refreshes: 0 },
): IExecuteFunctions {
	const credentialId = options.credentialId ?? 'cred-1';
	const executionId = options.executionId ?? `test-execution-${++executions}`;
	const theNode = testNode(credentialId);
	const items = options.items ?? [];
	const credential = options.credential;
	const line = modelled;

	const refresh = async (): Promise<void> => {
		recorder.refreshes++;
		const body = new URLSearchParams({
			refresh_token: String(credential.oauthTokenData.refresh_token ?? ''),
			grant_type: 'refresh_token',
		});
		const basic = Buffer.from(`${credential.clientId}:${credential.clientSecret}`).toString(
			'base64',
		);
		const response = await axios.post(tokenUrl(credential), body.toString(), {
			headers: {
				Authorization: `Basic ${basic}`,
				'Content-Type': 'application/x-www-form-urlencoded',
			},
			validateStatus: () => true,
		});
		if (response.status >= 400) {
			// As n8n's OAuth client does: an OAuth error body gives an AuthError (code EAUTH, no status).
			const data = response.data as IDataObject;
			const error = data?.error
				? Object.assign(new Error(String(data.error_description ?? data.error)), {
						code: 'EAUTH',
						body: data,
					})
				: Object.assign(new Error(`HTTP status ${response.status}`), {
						code: 'ESTATUS',
						status: response.status,
						body: data,
					});
			throw error;
		}
		credential.oauthTokenData = {
			...credential.oauthTokenData,
			...(response.data as IDataObject),
		} as FakeCredential['oauthTokenData'];
	};

	const context = {
		getNode: () => theNode,
		getExecutionId: () => executionId,
		getInputData: () => items,
		continueOnFail: () => options.continueOnFail === true,
		getExecutionCancelSignal: () => options.cancelSignal,
		getCredentials: async () =>
			({
				...credential,
				oauthTokenData: { ...credential.oauthTokenData },
			}) as unknown as ICredentialDataDecryptedObject,
		getNodeParameter: (
			name: string,
			itemIndex: number,
			fallback?: unknown,
			opts?: { extractValue?: boolean; rawExpressions?: boolean },
		) => {
			let value = getPath(options.parameters, name);
			if (value === undefined) {
				if (fallback !== undefined) return fallback;
				throw new Error(`Could not get parameter "${name}"`);
			}
			if (opts?.extractValue && value && typeof value === 'object' && '__rl' in (value as object))
				value = (value as { value: unknown }).value;
			if (opts?.rawExpressions) return value;
			return evaluate(value, items[itemIndex]) as NodeParameterValueType;
		},
		getCurrentNodeParameter: (name: string, opts?: { extractValue?: boolean }) => {
			let value = getPath(options.parameters, name);
			if (opts?.extractValue && value && typeof value === 'object' && 'value' in (value as object))
				value = (value as { value: unknown }).value;
			return value;
		},
		logger: {
			debug: () => undefined,
			info: () => undefined,
			warn: () => undefined,
			error: () => undefined,
		},
		helpers: {
			httpRequest: async (requestOptions: IHttpRequestOptions) => await send(requestOptions),
			httpRequestWithAuthentication: async (
				_type: string,
				requestOptions: IHttpRequestOptions,
				additional?: { oauth2?: { tokenExpiredStatusCode?: number } },
			) => {
				const expiredStatus =
					line === 'n8n-core before 2.14'
						? 401
						: (additional?.oauth2?.tokenExpiredStatusCode ?? 401);
				try {
					try {
						return await send(requestOptions, `Bearer ${credential.oauthTokenData.access_token}`);
					} catch (error) {
						if (!axios.isAxiosError(error) || error.response?.status !== expiredStatus) throw error;
						await refresh();
						return await send(requestOptions, `Bearer ${credential.oauthTokenData.access_token}`);
					}
				} catch (error) {
					throw new NodeApiError(theNode, error as never);
				}
			},
		},
	};
	return context as unknown as IExecuteFunctions;
}

export function createLoadOptionsContext(
	options: Omit<ContextOptions, 'items'>,
): ILoadOptionsFunctions {
	return createExecuteContext(options) as unknown as ILoadOptionsFunctions;
}

/** Builds the resource-locator value n8n stores for a parameter. */
export function byId(value: string): { __rl: true; mode: 'id'; value: string } {
	return { __rl: true, mode: 'id', value };
}

type HttpHelper = (...args: unknown[]) => Promise<unknown>;

/**
 * Puts `wrap` around the context's two HTTP helpers (`httpRequest`, `httpRequestWithAuthentication`),
 * e.g. to abort like n8n does once an execution is cancelled. `wrap` gets the original helper and the
 * call's arguments (the request options last).
 */
export function wrapHttpHelpers(
	context: IExecuteFunctions,
	wrap: (original: HttpHelper, args: unknown[]) => Promise<unknown>,
): void {
	const helpers = context.helpers as unknown as Record<string, HttpHelper>;
	for (const name of ['httpRequest', 'httpRequestWithAuthentication']) {
		const original = helpers[name];
		helpers[name] = async (...args: unknown[]) => await wrap(original, args);
	}
}
