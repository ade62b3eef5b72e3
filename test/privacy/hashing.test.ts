/**
 * Privacy on the wire (the node hashes locally, so raw identifiers never leave the process):
 * everything the node sends is recorded by a proxy in front of the emulator. Records are SHA-256
 * (64 lower-case hex) only; no raw email, MAID or IDFA appears anywhere in a request; tokens and
 * the client secret appear only where OAuth puts them.
 */
import type { INodeExecutionData } from 'n8n-workflow';

import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import { credentialFor, runNode, syncParameters } from '../helpers/nodeRunner';
import type { Wire, WireRequest } from './wire';
import { recordingProxy } from './wire';

const HEX64 = /^[0-9a-f]{64}$/;

const people = Array.from({ length: 300 }, (_, i) => ({
	email: ` Privacy.Person+${i}@Example-Shop.com `,
	maid: `${String(i).padStart(8, '0')}-AB12-4CDE-8F00-${String(i).padStart(12, '0')}`,
	idfa: `${String(i).padStart(8, '0')}-1111-4222-8333-444455556666`,
}));

/** Every spelling of a raw identifier that would betray it. */
function rawForms(): string[] {
	const forms = new Set<string>();
	for (const p of people) {
		for (const value of [p.email, p.maid, p.idfa]) {
			const trimmed = value.trim();
			for (const form of [
				trimmed,
				trimmed.toLowerCase(),
				trimmed.replace(/-/g, '').toLowerCase(),
				encodeURIComponent(trimmed.toLowerCase()),
			])
				forms.add(form);
		}
		forms.add(p.email.trim().split('@')[0].toLowerCase());
	}
	return [...forms];
}

let emu: Emulator;
let wire: Wire;
let items: INodeExecutionData[];
let credential: ReturnType<typeof credentialFor>;
let oldTokens: { access: string; refresh: string };

beforeAll(async () => {
	emu = await startEmulator();
	wire = await recordingProxy(emu.url);
	// An expired access token, so the recording includes a token refresh.
	const pair = emu.issueTokens(emu.demo.userId, { expired: true });
	oldTokens = { access: pair.access_token, refresh: pair.refresh_token };
	credential = { ...credentialFor(emu), customBaseUrl: wire.url };
	credential.oauthTokenData = { ...credential.oauthTokenData, ...pair };
	items = people.map((p) => ({ json: { ...p } }));
	const run = await runNode({
		credential,
		credentialId: 'cred-privacy',
		parameters: syncParameters({
			audienceName: 'Privacy audience',
			matchFields: ['email', 'maid', 'idfa'],
			options: { batchSize: 250 },
		}),
		items,
	});
	expect(run.metrics.usersSynced).toBe(people.length);
});
afterAll(async () => {
	await wire.close();
	await emu.close();
});

const everything = (r: WireRequest) =>
	[r.method, r.url, JSON.stringify(r.headers), r.body].join('\n');

describe('what leaves the process', () => {
	it('recorded the whole run, including a token refresh', () => {
		expect(wire.requests.some((r) => r.url === '/v5/oauth/token')).toBe(true);
		expect(wire.requests.filter((r) => r.method === 'PATCH').length).toBeGreaterThanOrEqual(2);
	});

	it('sends every customer-list record as 64 lower-case hex, 900 records for 300 users × 3 fields', () => {
		const writes = wire.requests.filter(
			(r) => /\/customer_lists(\/\d+)?$/.test(r.url) && r.method !== 'GET',
		);
		const records = writes.flatMap((r) =>
			String((JSON.parse(r.body) as { records: string }).records).split(','),
		);
		for (const record of records) expect(record).toMatch(HEX64);
		expect(new Set(records).size).toBe(900);
	});

	it('never sends a raw email, MAID or IDFA, in any URL, header or body', () => {
		const forms = rawForms();
		for (const request of wire.requests) {
			const text = everything(request).toLowerCase();
			const leaked = forms.filter((form) => text.includes(form.toLowerCase()));
			expect({ url: request.url, leaked }).toEqual({ url: request.url, leaked: [] });
		}
	});

	it('puts access tokens only in the Authorization header, the refresh token and client secret only in the token request', () => {
		const accessTokens = [oldTokens.access, String(credential.oauthTokenData.access_token)];
		const refreshTokens = [oldTokens.refresh, String(credential.oauthTokenData.refresh_token)];
		expect(accessTokens[1]).not.toBe(accessTokens[0]);
		for (const request of wire.requests) {
			const { authorization, ...otherHeaders } = request.headers;
			const outsideAuthorization = [request.url, JSON.stringify(otherHeaders), request.body].join(
				'\n',
			);
			for (const token of accessTokens) expect(outsideAuthorization).not.toContain(token);
			const isTokenRequest = request.url === '/v5/oauth/token';
			for (const token of refreshTokens) {
				expect([request.url, JSON.stringify(request.headers)].join('\n')).not.toContain(token);
				if (!isTokenRequest) expect(request.body).not.toContain(token);
			}
			expect(everything(request)).not.toContain(emu.demo.clientSecret);
			if (isTokenRequest) {
				expect(authorization).toBe(
					`Basic ${Buffer.from(`${emu.demo.clientId}:${emu.demo.clientSecret}`).toString('base64')}`,
				);
			} else {
				expect(authorization).toMatch(/^Bearer \S+$/);
			}
		}
	});

	it('the emulator holds only hashes, and its request log has no identifier or token', () => {
		const audience = emu.findAudiences(emu.demo.adAccountId, 'Privacy audience')[0];
		const held = emu.listRecords(emu.demo.adAccountId, String(audience.rule.customer_list_id));
		expect(held.size).toBe(900);
		for (const record of held) expect(record).toMatch(HEX64);
		const log = JSON.stringify(emu.log).toLowerCase();
		for (const form of rawForms()) expect(log).not.toContain(form.toLowerCase());
		for (const secret of [
			oldTokens.access,
			oldTokens.refresh,
			String(credential.oauthTokenData.access_token),
			String(credential.oauthTokenData.refresh_token),
		]) {
			expect(log).not.toContain(secret.toLowerCase());
		}
	});
});
