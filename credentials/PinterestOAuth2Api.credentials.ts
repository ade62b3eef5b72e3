import type { ICredentialTestRequest, ICredentialType, Icon, INodeProperties } from 'n8n-workflow';

/**
 * Pinterest API v5 over OAuth2 (authorization code). n8n runs the consent flow, stores the token pair
 * and refreshes it after a 401. Client ID and Client Secret are inherited from `oAuth2Api`.
 */
export class PinterestOAuth2Api implements ICredentialType {
	name = 'pinterestOAuth2Api';

	extends = ['oAuth2Api'];

	displayName = 'Pinterest OAuth2 API';

	icon: Icon = { light: 'file:../icons/pinterest.svg', dark: 'file:../icons/pinterest.dark.svg' };

	documentationUrl =
		'https://developers.pinterest.com/docs/getting-started/set-up-authentication-and-authorization/';

	properties: INodeProperties[] = [
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{
					name: 'Production',
					value: 'production',
					description: 'The live Pinterest API (api.pinterest.com)',
				},
				{
					name: 'Sandbox',
					value: 'sandbox',
					description:
						'Pinterest sandbox (api-sandbox.pinterest.com). Pinterest does not offer audiences or customer lists there, so only the connection and ad accounts work.',
				},
				{
					name: 'Custom Base URL',
					value: 'custom',
					description:
						'Another origin that speaks the Pinterest API v5: the bundled emulator, a proxy, or a test server',
				},
			],
			default: 'production',
			description:
				'Which Pinterest API to connect to. Use Production for real ad accounts. The Sandbox does not support audiences or customer lists (a Pinterest limitation). Custom Base URL is for the bundled emulator, a proxy or tests.',
		},
		{
			displayName: 'Custom Base URL',
			name: 'customBaseUrl',
			type: 'string',
			default: '',
			required: true,
			placeholder: 'http://127.0.0.1:8787',
			description:
				'Origin of the API without a path, e.g. http://127.0.0.1:8787. The node calls <origin>/v5/..., tokens come from <origin>/v5/oauth/token and consent opens <origin>/oauth/.',
			displayOptions: {
				show: {
					environment: ['custom'],
				},
			},
		},
		{
			displayName: 'Grant Type',
			name: 'grantType',
			type: 'hidden',
			default: 'authorizationCode',
		},
		{
			displayName: 'Authorization URL',
			name: 'authUrl',
			type: 'hidden',
			default:
				'={{ $self["environment"] === "custom" ? String($self["customBaseUrl"] || "").replace(/\\/+$/, "") + "/oauth/" : "https://www.pinterest.com/oauth/" }}',
			required: true,
		},
		{
			displayName: 'Access Token URL',
			name: 'accessTokenUrl',
			type: 'hidden',
			default:
				'={{ $self["environment"] === "sandbox" ? "https://api-sandbox.pinterest.com/v5/oauth/token" : $self["environment"] === "custom" ? String($self["customBaseUrl"] || "").replace(/\\/+$/, "") + "/v5/oauth/token" : "https://api.pinterest.com/v5/oauth/token" }}',
			required: true,
		},
		{
			displayName: 'Scope',
			name: 'scope',
			type: 'hidden',
			default: 'ads:read,ads:write,user_accounts:read',
		},
		{
			displayName: 'Auth URI Query Parameters',
			name: 'authQueryParameters',
			type: 'hidden',
			default: '',
		},
		{
			// Sent with the authorization-code exchange (n8n adds these to the token request body, not to
			// refreshes). Pinterest needs it for apps created before 2025-09-25 to get a continuous
			// refresh token (60 days, renewed on every refresh); newer apps get one anyway.
			displayName: 'Additional Body Properties',
			name: 'additionalBodyProperties',
			type: 'hidden',
			default: '{"continuous_refresh":true}',
		},
		{
			displayName: 'Authentication',
			name: 'authentication',
			type: 'hidden',
			default: 'header',
		},
	];

	// n8n sends this request through its OAuth2 helper, i.e. signed with the stored access token
	// (and refreshed once on a 401).
	test: ICredentialTestRequest = {
		request: {
			baseURL:
				'={{ $credentials.environment === "custom" ? String($credentials.customBaseUrl || "").replace(/\\/+$/, "") + "/v5" : $credentials.environment === "sandbox" ? "https://api-sandbox.pinterest.com/v5" : "https://api.pinterest.com/v5" }}',
			url: '/user_account',
			method: 'GET',
		},
	};
}
