import type { AxiosInstance } from 'axios';
import type { Emulator, TokenResponse } from '../../emulator';
import { client, expectError, FORM, form, setup } from './helpers';

let emu: Emulator;
let raw: AxiosInstance;
const REDIRECT = 'http://localhost:5678/rest/oauth2-credential/callback';

beforeAll(async () => {
	({ emu, raw } = await setup());
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const basic = () => ({ username: emu.demo.clientId, password: emu.demo.clientSecret });

async function authorize(extra: Record<string, string> = {}): Promise<URL> {
	const res = await raw.get('/oauth/', {
		params: {
			client_id: emu.demo.clientId,
			redirect_uri: REDIRECT,
			response_type: 'code',
			scope: 'ads:read,ads:write,user_accounts:read',
			state: 'st4te',
			...extra,
		},
		maxRedirects: 0,
	});
	expect(res.status).toBe(302);
	return new URL(String(res.headers.location));
}

function token(fields: Record<string, string>, auth = basic()) {
	return raw.post('/v5/oauth/token', form(fields), { headers: FORM, auth });
}

describe('authorization code flow', () => {
	it('redirects to redirect_uri with code and state, and the code buys a working token pair', async () => {
		const location = await authorize();
		expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
		expect(location.searchParams.get('state')).toBe('st4te');
		const code = location.searchParams.get('code');
		expect(code).toBeTruthy();

		const res = await token({
			grant_type: 'authorization_code',
			code: code as string,
			redirect_uri: REDIRECT,
			continuous_refresh: 'true',
		});
		expect(res.status).toBe(200);
		const body = res.data as TokenResponse;
		expect(body.access_token).toMatch(/^pina_[A-Za-z0-9_-]{20,}$/);
		expect(body.refresh_token).toMatch(/^pinr\.[A-Za-z0-9_-]{20,}$/);
		expect(body).toMatchObject({
			response_type: 'authorization_code',
			token_type: 'bearer',
			expires_in: 2592000,
			refresh_token_expires_in: 5184000,
			scope: 'ads:read,ads:write,user_accounts:read',
		});
		const nowSec = Date.now() / 1000;
		expect(body.refresh_token_expires_at).toBeGreaterThan(nowSec + 5184000 - 60);
		expect(body.refresh_token_expires_at).toBeLessThan(nowSec + 5184000 + 60);

		const me = await client(emu.apiBaseUrl, body.access_token).get('/user_account');
		expect(me.status).toBe(200);
		expect(me.data).toMatchObject({ id: emu.demo.userId, username: 'pindexterp' });
	});

	it('lets the authorize page consent as another seeded user', async () => {
		const location = await authorize({ emulator_user_id: emu.demo.secondUserId });
		const res = await token({
			grant_type: 'authorization_code',
			code: location.searchParams.get('code') as string,
			redirect_uri: REDIRECT,
		});
		const me = await client(emu.apiBaseUrl, (res.data as TokenResponse).access_token).get(
			'/user_account',
		);
		expect(me.data).toMatchObject({ id: emu.demo.secondUserId, username: 'secondpinner' });
	});

	it('rejects a bad client_id or response_type on the authorize page', async () => {
		const bad = await raw.get('/oauth/', {
			params: { client_id: 'nope', redirect_uri: REDIRECT, response_type: 'code' },
			maxRedirects: 0,
		});
		expectError(bad, 400, 1);
		const badType = await raw.get('/oauth/', {
			params: { client_id: emu.demo.clientId, redirect_uri: REDIRECT, response_type: 'token' },
			maxRedirects: 0,
		});
		expectError(badType, 400, 1);
	});

	it('accepts a code only once and only with the same redirect_uri', async () => {
		const code = (await authorize()).searchParams.get('code') as string;
		const wrongRedirect = await token({
			grant_type: 'authorization_code',
			code,
			redirect_uri: 'http://evil.example/cb',
		});
		expect(wrongRedirect.status).toBe(400);
		expect(wrongRedirect.data).toMatchObject({ error: 'invalid_grant', code: 1 });

		const code2 = (await authorize()).searchParams.get('code') as string;
		const first = await token({
			grant_type: 'authorization_code',
			code: code2,
			redirect_uri: REDIRECT,
		});
		expect(first.status).toBe(200);
		const again = await token({
			grant_type: 'authorization_code',
			code: code2,
			redirect_uri: REDIRECT,
		});
		expect(again.status).toBe(400);
		expect(again.data).toMatchObject({ error: 'invalid_grant' });
	});

	it('requires code and redirect_uri, and a supported grant type', async () => {
		const missing = await token({ grant_type: 'authorization_code', code: 'x' });
		expect(missing.status).toBe(400);
		expect(missing.data).toMatchObject({ error: 'invalid_request', code: 1 });
		const unsupported = await token({ grant_type: 'password', username: 'a', password: 'b' });
		expect(unsupported.status).toBe(400);
		expect(unsupported.data).toMatchObject({ error: 'unsupported_grant_type' });
	});
});

describe('client authentication (HTTP Basic)', () => {
	it.each([
		['missing', undefined],
		['wrong secret', { username: 'emulator-client-id', password: 'wrong' }],
		['wrong id', { username: 'other-client', password: 'emulator-client-secret' }],
	])('answers 401 code 2 when Basic credentials are %s', async (_label, auth) => {
		const res = await raw.post(
			'/v5/oauth/token',
			form({ grant_type: 'refresh_token', refresh_token: emu.demo.refreshToken }),
			{ headers: FORM, auth },
		);
		expectError(res, 401, 2, 'Authentication failed.');
	});

	it('does not accept client credentials in the body instead of Basic auth', async () => {
		const res = await raw.post(
			'/v5/oauth/token',
			form({
				grant_type: 'refresh_token',
				refresh_token: emu.demo.refreshToken,
				client_id: emu.demo.clientId,
				client_secret: emu.demo.clientSecret,
			}),
			{ headers: FORM },
		);
		expectError(res, 401, 2);
	});

	it('rejects a JSON body on the token endpoint', async () => {
		const res = await raw.post(
			'/v5/oauth/token',
			{ grant_type: 'refresh_token', refresh_token: emu.demo.refreshToken },
			{ auth: basic() },
		);
		expect(res.status).toBe(400);
		expect(res.data).toMatchObject({ code: 1, error: 'invalid_request' });
	});
});

describe('refresh tokens', () => {
	it('rotate: the new refresh token works, the old one is rejected with invalid_grant, the old access token stays valid', async () => {
		const first = await token({
			grant_type: 'refresh_token',
			refresh_token: emu.demo.refreshToken,
		});
		expect(first.status).toBe(200);
		const b1 = first.data as TokenResponse;
		expect(b1.response_type).toBe('refresh_token');
		expect(b1.refresh_token).not.toBe(emu.demo.refreshToken);
		expect(b1.access_token).not.toBe(emu.demo.accessToken);

		const reused = await token({
			grant_type: 'refresh_token',
			refresh_token: emu.demo.refreshToken,
		});
		expect(reused.status).toBe(400);
		expect(reused.data).toMatchObject({ code: 1, error: 'invalid_grant' });
		expect(typeof (reused.data as { error_description: unknown }).error_description).toBe('string');

		const second = await token({ grant_type: 'refresh_token', refresh_token: b1.refresh_token });
		expect(second.status).toBe(200);
		expect((second.data as TokenResponse).refresh_token).not.toBe(b1.refresh_token);

		for (const access of [
			emu.demo.accessToken,
			b1.access_token,
			(second.data as TokenResponse).access_token,
		]) {
			expect((await client(emu.apiBaseUrl, access).get('/user_account')).status).toBe(200);
		}
	});

	it('rejects unknown refresh tokens and requires the parameter', async () => {
		const unknown = await token({ grant_type: 'refresh_token', refresh_token: 'pinr.nope' });
		expect(unknown.status).toBe(400);
		expect(unknown.data).toMatchObject({ error: 'invalid_grant' });
		const missing = await token({ grant_type: 'refresh_token' });
		expect(missing.status).toBe(400);
		expect(missing.data).toMatchObject({ error: 'invalid_request' });
	});

	it('uses the configured access-token lifetime', async () => {
		const other = await setup({ accessTokenLifetimeSec: 120 });
		try {
			const res = await other.raw.post(
				'/v5/oauth/token',
				form({ grant_type: 'refresh_token', refresh_token: other.emu.demo.refreshToken }),
				{
					headers: FORM,
					auth: { username: other.emu.demo.clientId, password: other.emu.demo.clientSecret },
				},
			);
			expect((res.data as TokenResponse).expires_in).toBe(120);
		} finally {
			await other.emu.close();
		}
	});

	it('honours custom client credentials', async () => {
		const other = await setup({ clientId: 'my-app', clientSecret: 's3cr3t' });
		try {
			expect(other.emu.demo).toMatchObject({ clientId: 'my-app', clientSecret: 's3cr3t' });
			const post = (username: string, password: string) =>
				other.raw.post(
					'/v5/oauth/token',
					form({ grant_type: 'refresh_token', refresh_token: other.emu.demo.refreshToken }),
					{ headers: FORM, auth: { username, password } },
				);
			expectError(await post('emulator-client-id', 'emulator-client-secret'), 401, 2);
			expect((await post('my-app', 's3cr3t')).status).toBe(200);
		} finally {
			await other.emu.close();
		}
	});
});

describe('bearer authentication', () => {
	it.each([
		['missing', undefined],
		['unknown', 'pina_UNKNOWN'],
		['malformed', 'not a bearer'],
	])('answers 401 code 2 when the token is %s', async (_label, tok) => {
		const res = await raw.get('/v5/user_account', {
			headers:
				tok === undefined ? {} : { Authorization: tok.startsWith('pina_') ? `Bearer ${tok}` : tok },
		});
		expectError(res, 401, 2, 'Authentication failed.');
	});

	it('expired access tokens answer 401 code 2 while their refresh token still works', async () => {
		emu.expireAccessTokens(emu.demo.userId);
		expectError(await client(emu.apiBaseUrl, emu.demo.accessToken).get('/user_account'), 401, 2);
		// the other user's token is untouched
		expect(
			(await client(emu.apiBaseUrl, emu.demo.secondAccessToken).get('/user_account')).status,
		).toBe(200);

		const res = await token({ grant_type: 'refresh_token', refresh_token: emu.demo.refreshToken });
		expect(res.status).toBe(200);
		const fresh = (res.data as TokenResponse).access_token;
		expect((await client(emu.apiBaseUrl, fresh).get('/user_account')).status).toBe(200);
	});

	it('issueTokens can hand out an already expired access token with a working refresh token', async () => {
		const pair = emu.issueTokens(emu.demo.userId, { expired: true });
		expectError(await client(emu.apiBaseUrl, pair.access_token).get('/ad_accounts'), 401, 2);
		const res = await token({ grant_type: 'refresh_token', refresh_token: pair.refresh_token });
		expect(res.status).toBe(200);
	});

	it('short-lived tokens from issueTokens expire on their own', async () => {
		const pair = emu.issueTokens(emu.demo.userId, { lifetimeSec: 1 });
		const c = client(emu.apiBaseUrl, pair.access_token);
		expect((await c.get('/user_account')).status).toBe(200);
		await new Promise((r) => setTimeout(r, 1100));
		expectError(await c.get('/user_account'), 401, 2);
	});

	it('revoked tokens answer 401 and their refresh tokens are rejected', async () => {
		emu.revokeTokens(emu.demo.userId);
		expectError(await client(emu.apiBaseUrl, emu.demo.accessToken).get('/user_account'), 401, 2);
		const res = await token({ grant_type: 'refresh_token', refresh_token: emu.demo.refreshToken });
		expect(res.status).toBe(400);
		expect(res.data).toMatchObject({ error: 'invalid_grant' });
		expect(
			(await client(emu.apiBaseUrl, emu.demo.secondAccessToken).get('/user_account')).status,
		).toBe(200);

		emu.revokeTokens();
		expectError(
			await client(emu.apiBaseUrl, emu.demo.secondAccessToken).get('/user_account'),
			401,
			2,
		);
	});

	it('reset() restores the demo tokens', async () => {
		emu.revokeTokens();
		emu.reset();
		expect((await client(emu.apiBaseUrl, emu.demo.accessToken).get('/user_account')).status).toBe(
			200,
		);
	});
});

describe('log', () => {
	it('records token requests with the user they concern and never contains tokens or codes', async () => {
		const code = (await authorize()).searchParams.get('code') as string;
		const exchanged = await token({
			grant_type: 'authorization_code',
			code,
			redirect_uri: REDIRECT,
		});
		const b = exchanged.data as TokenResponse;
		await token({ grant_type: 'refresh_token', refresh_token: b.refresh_token });
		await token({ grant_type: 'refresh_token', refresh_token: b.refresh_token }); // reused -> 400
		await client(emu.apiBaseUrl, b.access_token).get('/user_account');

		const tokenCalls = emu.tokenRequests();
		expect(tokenCalls.map((e) => e.status)).toEqual([200, 200, 400]);
		expect(tokenCalls.every((e) => e.userId === emu.demo.userId && e.category === 'oauth')).toBe(
			true,
		);

		const serialized = JSON.stringify(emu.log);
		expect(serialized).not.toMatch(/pina_|pinr\.|Bearer|Basic/);
		expect(serialized).not.toContain(code);
		expect(emu.log.find((e) => e.path === '/v5/user_account')?.userId).toBe(emu.demo.userId);
		const admin = await raw.get('/_emulator/log');
		expect(JSON.stringify(admin.data)).not.toMatch(/pina_|pinr\./);
	});
});
