/**
 * OAuth routes, as Pinterest's OpenAPI description gives them
 * (https://github.com/pinterest/api-description, v5/openapi.yaml):
 * - `GET /oauth/`: the authorize page for a custom base URL. It auto-consents and redirects (302)
 *   to `redirect_uri?code=…&state=…`. The consenting user is the demo user, or the user given by
 *   the emulator-only query parameter `emulator_user_id`.
 * - `POST /v5/oauth/token`: form-urlencoded, HTTP Basic client authentication.
 *
 * Token-endpoint errors carry both Pinterest's `{code, message}` and the RFC 6749 §5.2 fields
 * `error`/`error_description`, which OAuth2 clients (n8n's client-oauth2) look for:
 * - bad or missing Basic credentials: 401 `{code: 2, message: "Authentication failed."}`
 * - unknown, revoked, expired or already-rotated refresh token, or a bad/used authorization code:
 *   400 `{code: 1, message: "Invalid refresh token." | "Invalid authorization code.", error: "invalid_grant", error_description}`
 * - missing parameters / wrong content type: 400 `{code: 1, …, error: "invalid_request"}`
 * - other grant types: 400 `{code: 1, …, error: "unsupported_grant_type"}`
 */
import type { IncomingHttpHeaders } from 'node:http';
import { authFailed, errorReply, Reply } from './errors';
import type { RouteDef } from './router';
import type { PinterestState } from './state';
import { REFRESH_TOKEN_LIFETIME_SEC, type IssuedTokens, type TokenStore } from './tokens';
import type { ResolvedEmulatorOptions, TokenResponse } from './types';

export const GRANTED_SCOPE = 'ads:read,ads:write,user_accounts:read';

export interface OAuthContext {
	query: URLSearchParams;
	body: string;
	headers: IncomingHttpHeaders;
}

export type OAuthHandler = (ctx: OAuthContext) => Reply;

function oauthError(error: string, message: string, description: string): Reply {
	return errorReply(400, 1, message, { error, error_description: description });
}

function decodePart(s: string): string {
	try {
		return decodeURIComponent(s.replace(/\+/g, ' '));
	} catch {
		return s;
	}
}

/** True if the Authorization header carries Basic credentials of this client. */
function basicAuthOk(header: string | undefined, clientId: string, clientSecret: string): boolean {
	const m = /^Basic\s+([A-Za-z0-9+/=._~-]+)\s*$/i.exec(header ?? '');
	if (!m) return false;
	const decoded = Buffer.from(m[1], 'base64').toString('utf8');
	const colon = decoded.indexOf(':');
	if (colon < 0) return false;
	const id = decoded.slice(0, colon);
	const secret = decoded.slice(colon + 1);
	return (
		(id === clientId && secret === clientSecret) ||
		(decodePart(id) === clientId && decodePart(secret) === clientSecret)
	);
}

export function createOAuthRoutes(
	state: PinterestState,
	tokens: TokenStore,
	options: ResolvedEmulatorOptions,
	defaultUserId: string,
): RouteDef<OAuthHandler>[] {
	const tokenResponse = (
		issued: IssuedTokens,
		responseType: TokenResponse['response_type'],
	): TokenResponse => ({
		access_token: issued.pair.access_token,
		refresh_token: issued.pair.refresh_token,
		response_type: responseType,
		token_type: 'bearer',
		expires_in: issued.accessExpiresInSec,
		refresh_token_expires_in: REFRESH_TOKEN_LIFETIME_SEC,
		refresh_token_expires_at: issued.refreshExpiresAtSec,
		scope: GRANTED_SCOPE,
	});

	const authorize: OAuthHandler = (ctx) => {
		const q = ctx.query;
		if (q.get('client_id') !== options.clientId)
			return errorReply(400, 1, 'Invalid parameters: unknown client_id');
		if (q.get('response_type') !== 'code')
			return errorReply(400, 1, 'Invalid parameters: response_type must be code');
		const redirectUri = q.get('redirect_uri');
		let target: URL;
		try {
			target = new URL(redirectUri ?? '');
		} catch {
			return errorReply(400, 1, 'Invalid parameters: redirect_uri must be an absolute URL');
		}
		const userId = q.get('emulator_user_id') ?? defaultUserId;
		if (!state.users.has(userId))
			return errorReply(400, 1, 'Invalid parameters: unknown emulator_user_id');
		const code = tokens.createCode(userId, options.clientId, redirectUri as string);
		target.searchParams.set('code', code);
		const st = q.get('state');
		if (st !== null) target.searchParams.set('state', st);
		return new Reply(302, undefined, { location: target.toString(), 'cache-control': 'no-store' });
	};

	const token: OAuthHandler = (ctx) => {
		if (!basicAuthOk(ctx.headers.authorization, options.clientId, options.clientSecret)) {
			const r = authFailed();
			return new Reply(r.status, r.body, { 'www-authenticate': 'Basic realm="Pinterest"' });
		}
		const contentType = String(ctx.headers['content-type'] ?? '');
		if (!contentType.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
			return oauthError(
				'invalid_request',
				'Invalid request: expected application/x-www-form-urlencoded',
				'The token endpoint takes a form-urlencoded body.',
			);
		}
		const form = new URLSearchParams(ctx.body);
		const grantType = form.get('grant_type');
		if (grantType === 'authorization_code') {
			const code = form.get('code');
			const redirectUri = form.get('redirect_uri');
			if (!code || !redirectUri) {
				return oauthError(
					'invalid_request',
					'Invalid parameters: code and redirect_uri are required',
					'code and redirect_uri are required.',
				);
			}
			const redeemed = tokens.redeemCode(code, options.clientId, redirectUri);
			if (!redeemed.ok)
				return oauthError(
					'invalid_grant',
					'Invalid authorization code.',
					`The authorization code is invalid: ${redeemed.reason}.`,
				);
			const issued = tokens.issue(redeemed.userId, options.accessTokenLifetimeSec);
			return new Reply(
				200,
				tokenResponse(issued, 'authorization_code'),
				undefined,
				redeemed.userId,
			);
		}
		if (grantType === 'refresh_token') {
			const refreshToken = form.get('refresh_token');
			if (!refreshToken) {
				return oauthError(
					'invalid_request',
					'Invalid parameters: refresh_token is required',
					'refresh_token is required.',
				);
			}
			const result = tokens.refresh(refreshToken, options.accessTokenLifetimeSec);
			if (!result.ok) {
				const r = oauthError(
					'invalid_grant',
					'Invalid refresh token.',
					`The refresh token is invalid: ${result.reason}.`,
				);
				return new Reply(r.status, r.body, undefined, result.userId);
			}
			return new Reply(
				200,
				tokenResponse(result.issued, 'refresh_token'),
				undefined,
				result.userId,
			);
		}
		return oauthError(
			'unsupported_grant_type',
			'Invalid parameters: grant_type must be authorization_code or refresh_token',
			`Unsupported grant_type ${grantType ?? '(missing)'}.`,
		);
	};

	return [
		{ method: 'GET', pattern: '/oauth', handler: authorize },
		{ method: 'POST', pattern: '/v5/oauth/token', handler: token },
	];
}
