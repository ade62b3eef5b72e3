/**
 * The transport's two ways of sending a request that must not refresh the token, each on the n8n it is
 * for (see transport/refreshControl): with an expired token such a request comes back as Pinterest's
 * 401 and the token endpoint is not called, however many are in flight; a request allowed to refresh
 * refreshes once. On n8n-core before 2.14 n8n's helper would refresh on that 401 whatever it is asked,
 * so the stored token signs it; from 2.14 on the helper is asked not to refresh.
 */
import type { Emulator } from '../../../../emulator';
import { startEmulator } from '../../../../emulator';
import { PinterestApiError } from '../../../../nodes/PinterestAudienceSync/engine/pinterest';
import { sendPinterestRequest } from '../../../../nodes/PinterestAudienceSync/transport';
import {
	honoursTokenExpiredStatusCode,
	n8nCanSendWithoutRefresh,
} from '../../../../nodes/PinterestAudienceSync/transport/refreshControl';
import type { FakeCredential } from '../../../helpers/n8nContext';
import { createExecuteContext } from '../../../helpers/n8nContext';
import { describeOnEachN8nLine } from '../../../helpers/n8nLines';
import { credentialFor } from '../../../helpers/nodeRunner';

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

function expiredCredential(): FakeCredential {
	const credential = credentialFor(emu);
	credential.oauthTokenData = {
		...credential.oauthTokenData,
		...emu.issueTokens(emu.demo.userId, { expired: true }),
	};
	return credential;
}

const userAccount = { method: 'GET', path: '/user_account' } as const;

describeOnEachN8nLine((line) => {
	it('requests that must not refresh: 10 at once with an expired token get 401, no token request', async () => {
		const credential = expiredCredential();
		const context = createExecuteContext({ credential, parameters: {} });
		const tokenCalls = emu.tokenRequests().length;
		const sent = Array.from({ length: 10 }, async () => {
			const settled = sendPinterestRequest.call(context, userAccount, false);
			return await settled.then(
				() => undefined,
				(error: unknown) => error,
			);
		});
		for (const error of await Promise.all(sent)) {
			expect(error).toBeInstanceOf(PinterestApiError);
			expect((error as PinterestApiError).status).toBe(401);
		}
		expect(emu.tokenRequests().length - tokenCalls).toBe(0);
	});

	it('a request allowed to refresh: one token request, then the answer', async () => {
		const credential = expiredCredential();
		const context = createExecuteContext({ credential, parameters: {} });
		const tokenCalls = emu.tokenRequests().length;
		const account = await sendPinterestRequest.call<
			typeof context,
			[typeof userAccount, boolean],
			Promise<{ username?: string }>
		>(context, userAccount, true);
		expect(account.username).toBeDefined();
		expect(emu.tokenRequests().length - tokenCalls).toBe(1);
	});

	it('tells the write limiter when the request leaves: once for one that must not refresh, and that one allowed to refresh may leave again until it settles', async () => {
		const context = createExecuteContext({ credential: credentialFor(emu), parameters: {} });
		const marks = async (allowTokenRefresh: boolean): Promise<unknown[]> => {
			const seen: unknown[] = [];
			await sendPinterestRequest.call(context, userAccount, allowTokenRefresh, (how) =>
				seen.push(how),
			);
			return seen;
		};
		// Sent with the stored token, the mark is right before the request; through n8n's helper, which
		// reads the credential first, the request leaves about one credential read after the mark.
		expect(await marks(false)).toEqual(
			line === 'n8n-core 2.14 and later'
				? [{ leavesInMs: expect.any(Number) as number }]
				: [undefined],
		);
		expect(await marks(true)).toEqual([{ mayResend: true }, undefined]);
	});
});

describe('which n8n can send without refreshing', () => {
	it.each([
		['1.122.48', false],
		['2.8.1', false],
		['2.11.1', false],
		['2.14.1', true],
		['2.40.3', true],
		['2.41.1', true],
		['3.0.0', true],
		[undefined, false],
		['not a version', false],
	])('n8n-core %s: %s', (version, expected) => {
		expect(honoursTokenExpiredStatusCode(version)).toBe(expected);
	});

	it('an n8n-core that cannot be found (as here, outside n8n) counts as one that cannot', () => {
		expect(n8nCanSendWithoutRefresh()).toBe(false);
	});
});
