/**
 * Fault matrix, tokens and permissions (n8n refreshes a token only after a 401 and without a lock,
 * and Pinterest rotates refresh tokens, so of concurrent refreshes all but one would fail): an
 * expired token is refreshed once however many executions share the credential; a revoked token or
 * a missing permission errors every user with a message that says what to do, without retry storms.
 */
import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import { PinterestAudienceSync } from '../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import type { FakeCredential } from '../helpers/n8nContext';
import { N8N_LINES, byId, createExecuteContext } from '../helpers/n8nContext';
import { describeOnEachN8nLine } from '../helpers/n8nLines';
import type { NodeRun } from '../helpers/nodeRunner';
import type { TargetAudience } from './support';
import {
	INJECTED_FAULTS_ONLY,
	createTarget,
	credentialFor,
	emailItems,
	executeExpectingError,
	freshCredential,
	expectAllHeld,
	patchesTo,
	runNode,
	statusCounts,
	syncParameters,
	toTarget,
	uniqueName,
} from './support';

// Runs against a live server with real retries and rate limits: allow more than the 5 s default.
jest.setTimeout(30_000);

let emu: Emulator;
let target: TargetAudience;

beforeAll(async () => {
	emu = await startEmulator(INJECTED_FAULTS_ONLY);
	target = await createTarget(emu, 'Auth');
});
afterEach(() => emu.clearFaults());
afterAll(async () => {
	await emu.close();
});

/** `count` executions of the node at once, all with the same stored credential (as n8n runs them). */
async function concurrentRuns(
	credential: FakeCredential,
	credentialId: string,
	count: number,
	usersEach: number,
	offset: number,
): Promise<NodeRun[]> {
	return await Promise.all(
		Array.from({ length: count }, (_, k) =>
			runNode({
				credential,
				credentialId,
				parameters: toTarget(target),
				items: emailItems(usersEach, offset + k * usersEach),
			}),
		),
	);
}

// Both behaviours of n8n's OAuth2 request path, with the same expectations (see test/helpers/n8nLines.ts).
describeOnEachN8nLine((line) => {
	// A gate's state is per credential for the whole process: each line has credentials of its own.
	const n = N8N_LINES.indexOf(line);

	describe('expired access token, 20 concurrent executions sharing one credential', () => {
		// One credential object and ID for all: n8n stores one token pair per credential.
		let credential: FakeCredential;
		beforeAll(() => {
			// A pair of its own: the line before may have rotated the seeded one.
			credential = freshCredential(emu);
		});

		it('the first executions of the process: exactly one call to the token endpoint, every user synced', async () => {
			emu.expireAccessTokens(emu.demo.userId);
			const tokenCalls = emu.tokenRequests().length;
			const before = credential.oauthTokenData.access_token;
			const runs = await concurrentRuns(credential, `cred-shared-${n}`, 20, 150, 1_000_000);

			expect(emu.tokenRequests().length - tokenCalls).toBe(1);
			for (const run of runs) expect(statusCounts(run)).toEqual({ synced: 150 });
			expect(credential.oauthTokenData.access_token).not.toBe(before);
			expectAllHeld(
				emu,
				target.customerListId,
				runs.flatMap((r) => r.users),
			);
		});

		it('the token expires between runs while the lock is open: again exactly one call', async () => {
			await concurrentRuns(credential, `cred-shared-${n}`, 1, 5, 2_000_000);
			emu.expireAccessTokens(emu.demo.userId);
			const tokenCalls = emu.tokenRequests().length;
			const before = credential.oauthTokenData.access_token;
			const runs = await concurrentRuns(credential, `cred-shared-${n}`, 20, 150, 3_000_000);

			expect(emu.tokenRequests().length - tokenCalls).toBe(1);
			expect(credential.oauthTokenData.access_token).not.toBe(before);
			for (const run of runs) expect(statusCounts(run)).toEqual({ synced: 150 });
			expectAllHeld(
				emu,
				target.customerListId,
				runs.flatMap((r) => r.users),
			);
		});
	});

	describe('expired access token, syncs and audience operations at once', () => {
		it('the audience operations wait for the one refresh like the syncs: exactly one call to the token endpoint', async () => {
			const credential = freshCredential(emu);
			emu.expireAccessTokens(emu.demo.userId);
			const tokenCalls = emu.tokenRequests().length;
			const getAudience = () =>
				new PinterestAudienceSync().execute.call(
					createExecuteContext({
						credential,
						credentialId: `cred-mixed-${n}`,
						parameters: {
							operation: 'getAudience',
							adAccount: byId(emu.demo.adAccountId),
							audience: byId(target.audienceId),
						},
						items: [{ json: {} }],
					}),
				);
			const [runs, reads] = await Promise.all([
				concurrentRuns(credential, `cred-mixed-${n}`, 5, 50, 5_000_000),
				Promise.all(Array.from({ length: 5 }, getAudience)),
			]);

			expect(emu.tokenRequests().length - tokenCalls).toBe(1);
			for (const run of runs) expect(statusCounts(run)).toEqual({ synced: 50 });
			for (const [items] of reads) expect(items[0].json).toMatchObject({ id: target.audienceId });
		});
	});

	describe('revoked token', () => {
		const secondAccount = () => ({ __rl: true, mode: 'id', value: emu.demo.secondUserAdAccountId });

		beforeAll(() => emu.revokeTokens(emu.demo.secondUserId));

		it('stops the node with a "Reconnect" message', async () => {
			const error = await executeExpectingError({
				credential: credentialFor(emu, 'second'),
				credentialId: `cred-revoked-stop-${n}`,
				parameters: syncParameters({
					adAccount: secondAccount(),
					audienceName: uniqueName('Revoked'),
				}),
				items: emailItems(3),
			});
			expect(error.message).toMatch(
				/token was revoked or can no longer be refreshed\. Reconnect the Pinterest credential in n8n/,
			);
		});

		it('on "continue": every user of 20 concurrent executions Errored, no retry storm', async () => {
			const credential = credentialFor(emu, 'second');
			const since = emu.log.length;
			const runs = await Promise.all(
				Array.from({ length: 20 }, (_, k) =>
					runNode({
						credential,
						credentialId: `cred-revoked-${n}`,
						parameters: syncParameters({
							adAccount: secondAccount(),
							audienceName: uniqueName('Revoked'),
						}),
						items: emailItems(10, k * 10),
						continueOnFail: true,
					}),
				),
			);
			for (const run of runs) {
				expect(statusCounts(run)).toEqual({ 'errored: Pinterest connection rejected': 10 });
				expect(run.metrics.retries).toBe(0);
				expect(run.metrics.error).toMatch(/Reconnect/);
			}
			const calls = emu.log.slice(since).filter((e) => e.category !== 'admin');
			expect(calls.every((e) => e.status === 401 || e.status === 400)).toBe(true);
			// At most one refused API call and one refused refresh per execution (refreshes one at a time):
			// nothing is retried.
			expect(calls.length).toBeLessThanOrEqual(40);
			expect(calls.filter((e) => e.path === '/v5/oauth/token').length).toBeLessThanOrEqual(20);
		});
	});
});

describe('no permission', () => {
	it('403 on the writes: users Errored with a message about roles, no retries, later batches not sent', async () => {
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 1, status: 403 });
		const since = emu.log.length;
		const run = await runNode({
			credential: freshCredential(emu),
			parameters: toTarget(target, { batchSize: 500 }),
			items: emailItems(2000, 5_000_000),
			continueOnFail: true,
		});
		expect(statusCounts(run)).toEqual({ 'errored: no permission on the ad account': 2000 });
		expect(run.metrics.retries).toBe(0);
		expect(run.metrics.error).toMatch(
			/may not manage audiences in ad account 549755885175\. .*Owner, Admin or Audience Manager role/,
		);
		expect(patchesTo(emu, target.customerListId, since).map((e) => e.status)).toEqual([403]);
	});

	it('403 stops the node with the same message when "continue" is off', async () => {
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 1, status: 403 });
		const error = await executeExpectingError({
			credential: freshCredential(emu),
			parameters: toTarget(target),
			items: emailItems(3, 6_000_000),
		});
		expect(error.message).toMatch(/Owner, Admin or Audience Manager role/);
	});

	it('an ad account of another Pinterest user: every user Errored, nothing created', async () => {
		const name = uniqueName('Foreign account');
		const run = await runNode({
			credential: freshCredential(emu),
			parameters: syncParameters({
				adAccount: { __rl: true, mode: 'id', value: emu.demo.secondUserAdAccountId },
				audienceName: name,
			}),
			items: emailItems(25),
			continueOnFail: true,
		});
		expect(statusCounts(run)).toEqual({ 'errored: no permission on the ad account': 25 });
		expect(run.metrics.error).toMatch(/may not manage audiences in ad account 549755885177/);
		expect(emu.findCustomerLists(emu.demo.secondUserAdAccountId, name)).toHaveLength(0);
	});
});
