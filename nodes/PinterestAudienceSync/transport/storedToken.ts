import type { IDataObject } from 'n8n-workflow';

import type { PinterestRequest, SendMark } from '../engine/pinterest';
import { CREDENTIAL_TYPE, apiBaseUrlFor, httpOptions } from './request';
import type { PinterestContext } from './request';

/**
 * The one request the node signs itself, only on an n8n whose `httpRequestWithAuthentication` refreshes
 * on every 401 whatever the call asks (n8n-core before 2.14, see refreshControl): a request that must not
 * refresh the token (see AuthGate) is signed with the credential's stored access token. n8n's
 * community-node rule `no-http-request-with-manual-auth` is off for this file alone (README, "n8n's
 * rules for community nodes").
 */
export async function sendWithStoredToken<T>(
	this: PinterestContext,
	request: PinterestRequest,
	onSend?: SendMark,
): Promise<T> {
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	const options = httpOptions(apiBaseUrlFor(credentials), request);
	const tokenData = (credentials.oauthTokenData ?? {}) as IDataObject;
	options.headers = { Authorization: `Bearer ${String(tokenData.access_token ?? '')}` };
	onSend?.();
	return (await this.helpers.httpRequest(options)) as T;
}
