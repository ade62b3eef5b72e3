/**
 * The credential's hidden OAuth2 URLs and its test request are n8n expressions. They are resolved here
 * the way n8n resolves a stored credential (defaults applied with NodeHelpers.getNodeParameters, then
 * the expressions evaluated by n8n-workflow with the credential data as `$self`), not by re-parsing
 * the strings.
 */
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	INode,
	INodeParameters,
	INodeType,
	INodeTypes,
	IVersionedNodeType,
} from 'n8n-workflow';
import { NodeHelpers, Workflow } from 'n8n-workflow';

import { PinterestOAuth2Api } from '../../credentials/PinterestOAuth2Api.credentials';

const credential = new PinterestOAuth2Api();

const mockNode: INode = {
	id: 'credential-resolver',
	name: 'Credential resolver',
	type: 'mock',
	typeVersion: 1,
	position: [0, 0],
	parameters: {},
};

const mockNodeTypes: INodeTypes = {
	getByName: () =>
		({ description: { properties: [] } }) as unknown as INodeType | IVersionedNodeType,
	getByNameAndVersion: () => ({ description: { properties: [] } }) as unknown as INodeType,
	getKnownTypes: () => ({}),
};

function workflow(): Workflow {
	return new Workflow({
		nodes: [mockNode],
		connections: {},
		active: false,
		nodeTypes: mockNodeTypes,
	});
}

/** What n8n's CredentialsHelper.applyDefaultsAndOverwrites returns for stored data `data`. */
function resolveCredential(data: IDataObject): ICredentialDataDecryptedObject {
	const withDefaults = NodeHelpers.getNodeParameters(
		credential.properties,
		data as INodeParameters,
		true,
		false,
		null,
		null,
	) as INodeParameters;
	return workflow().expression.getComplexParameterValue(
		mockNode,
		withDefaults,
		'internal',
		{},
		undefined,
		undefined,
		withDefaults,
	) as ICredentialDataDecryptedObject;
}

/** The credential test's base URL, evaluated with `$credentials` as n8n's RoutingNode does. */
function testBaseUrl(resolved: ICredentialDataDecryptedObject): unknown {
	const baseURL = credential.test.request.baseURL;
	return workflow().expression.getComplexParameterValue(mockNode, baseURL as string, 'internal', {
		$credentials: resolved,
	} as never);
}

describe('PinterestOAuth2Api credential', () => {
	it('is an OAuth2 credential named as the node and the lint rules expect', () => {
		expect(credential.name).toBe('pinterestOAuth2Api');
		expect(credential.displayName).toBe('Pinterest OAuth2 API');
		expect(credential.extends).toEqual(['oAuth2Api']);
		expect(credential.icon).toEqual({
			light: 'file:../icons/pinterest.svg',
			dark: 'file:../icons/pinterest.dark.svg',
		});
		expect(credential.documentationUrl).toMatch(/^https:\/\/developers\.pinterest\.com\//);
	});

	it('asks for the ads scopes, comma-separated, with Basic client authentication', () => {
		const resolved = resolveCredential({});
		expect(resolved.grantType).toBe('authorizationCode');
		expect(resolved.scope).toBe('ads:read,ads:write,user_accounts:read');
		expect(resolved.authentication).toBe('header');
		expect(resolved.authQueryParameters).toBe('');
	});

	it('asks for a continuous refresh token in the authorization-code exchange', () => {
		// n8n parses this JSON into the token request body of the code exchange (not of refreshes).
		const resolved = resolveCredential({});
		expect(JSON.parse(String(resolved.additionalBodyProperties))).toEqual({
			continuous_refresh: true,
		});
	});

	it('defaults to production', () => {
		const resolved = resolveCredential({});
		expect(resolved.environment).toBe('production');
		expect(resolved.authUrl).toBe('https://www.pinterest.com/oauth/');
		expect(resolved.accessTokenUrl).toBe('https://api.pinterest.com/v5/oauth/token');
		expect(testBaseUrl(resolved)).toBe('https://api.pinterest.com/v5');
	});

	it('uses the sandbox token endpoint and API, with the usual consent page', () => {
		const resolved = resolveCredential({ environment: 'sandbox' });
		expect(resolved.authUrl).toBe('https://www.pinterest.com/oauth/');
		expect(resolved.accessTokenUrl).toBe('https://api-sandbox.pinterest.com/v5/oauth/token');
		expect(testBaseUrl(resolved)).toBe('https://api-sandbox.pinterest.com/v5');
	});

	it.each([
		['http://127.0.0.1:8787', 'http://127.0.0.1:8787'],
		['http://127.0.0.1:8787/', 'http://127.0.0.1:8787'],
		['https://pinterest-proxy.example.com//', 'https://pinterest-proxy.example.com'],
	])('follows a custom base URL %s', (customBaseUrl, origin) => {
		const resolved = resolveCredential({ environment: 'custom', customBaseUrl });
		expect(resolved.authUrl).toBe(`${origin}/oauth/`);
		expect(resolved.accessTokenUrl).toBe(`${origin}/v5/oauth/token`);
		expect(testBaseUrl(resolved)).toBe(`${origin}/v5`);
	});

	it('shows the custom base URL field only for the custom environment', () => {
		const field = credential.properties.find((p) => p.name === 'customBaseUrl');
		expect(field?.displayOptions).toEqual({ show: { environment: ['custom'] } });
		expect(field?.placeholder).toBe('http://127.0.0.1:8787');
		const environment = credential.properties.find((p) => p.name === 'environment');
		expect(environment?.options?.map((o) => ('value' in o ? o.value : undefined))).toEqual([
			'production',
			'sandbox',
			'custom',
		]);
		expect(environment?.default).toBe('production');
	});

	it('keeps every OAuth2 setting the user must not change hidden', () => {
		for (const name of [
			'grantType',
			'authUrl',
			'accessTokenUrl',
			'scope',
			'authQueryParameters',
			'additionalBodyProperties',
			'authentication',
		]) {
			expect(credential.properties.find((p) => p.name === name)?.type).toBe('hidden');
		}
	});

	it('tests the connection with GET /user_account', () => {
		expect(credential.test.request.url).toBe('/user_account');
		expect(credential.test.request.method ?? 'GET').toBe('GET');
	});
});
