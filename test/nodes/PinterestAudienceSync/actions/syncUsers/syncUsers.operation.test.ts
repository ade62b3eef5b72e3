import { createHash } from 'node:crypto';

import type { INodeProperties } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { createExecuteContext } from '../../../../helpers/n8nContext';
import {
	credentialFor,
	emailItems,
	runNode,
	statusOf,
	syncParameters,
} from '../../../../helpers/nodeRunner';
import { PinterestAudienceSync } from '../../../../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import { description as syncUsersDescription } from '../../../../../nodes/PinterestAudienceSync/actions/syncUsers';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const ACCOUNT = '549755885175';

let emu: Emulator;
let audienceCounter = 0;
const uniqueName = (label: string) => `${label} ${++audienceCounter} ${Date.now()}`;

beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

function patchesTo(listId: string) {
	return emu.log.filter(
		(e) => e.method === 'PATCH' && e.path.endsWith(`/customer_lists/${listId}`),
	);
}

describe('Sync Users: chunking and records', () => {
	it.each([
		[1, 1],
		[1900, 1],
		[1901, 2],
		[10_000, 6],
	])(
		'%i users reach the list as their hashes in %i accepted request(s) of at most 1,900 records',
		async (count, expectedRequests) => {
			const items = emailItems(count);
			const name = uniqueName('Chunking');
			const run = await runNode({
				credential: credentialFor(emu),
				parameters: syncParameters({ audienceName: name }),
				items,
			});

			expect(run.metrics.usersSynced).toBe(count);
			expect(run.metrics.audienceCreated).toBe(true);
			const listId = run.metrics.customerListId as string;
			const held = emu.listRecords(ACCOUNT, listId);
			expect(held.size).toBe(count);
			expect(items.filter((item) => !held.has(sha(String(item.json.email))))).toEqual([]);

			// Chunking is about the requests Pinterest accepted: a write refused with 429 and retried (as a
			// loaded machine can cause) carries the same records again and does not count.
			const create = emu.log
				.filter((e) => e.method === 'POST' && e.path.endsWith('/customer_lists') && e.status < 300)
				.pop();
			const writes = [
				create ?? fail('no customer list was created'),
				...patchesTo(listId).filter((e) => e.status >= 200 && e.status < 300),
			];
			expect(writes).toHaveLength(expectedRequests);
			expect(writes.reduce((n, e) => n + e.recordCount, 0)).toBe(count);
			expect(Math.max(...writes.map((e) => e.recordCount))).toBeLessThanOrEqual(1900);
			expect(statusOf(run, 0)).toEqual({ status: 'synced' });
		},
	);

	it('sends identical records once and counts every duplicate user as synced', async () => {
		const items = [
			{ json: { email: 'dup@example.com' } },
			{ json: { email: ' DUP@example.com ' } },
			{ json: { email: 'other@example.com' } },
		];
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: uniqueName('Dupes') }),
			items,
		});
		expect(run.metrics.usersSynced).toBe(3);
		expect(run.metrics.recordsSent).toBe(2);
		const create = emu.log
			.filter((e) => e.method === 'POST' && e.path.endsWith('/customer_lists'))
			.pop();
		expect(create?.recordCount).toBe(2);
	});
});

describe('Sync Users: audiences', () => {
	it('creates the audience once and reuses it on a re-run', async () => {
		const name = uniqueName('Reuse');
		const first = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: name }),
			items: emailItems(10),
		});
		const second = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: name }),
			items: emailItems(10, 10),
		});
		expect(first.metrics.audienceCreated).toBe(true);
		expect(second.metrics.audienceCreated).toBe(false);
		expect(second.metrics.audienceId).toBe(first.metrics.audienceId);
		expect(second.metrics.customerListId).toBe(first.metrics.customerListId);
		expect(emu.findAudiences(ACCOUNT, name)).toHaveLength(1);
		expect(emu.findCustomerLists(ACCOUNT, name)).toHaveLength(1);
		expect(emu.listRecords(ACCOUNT, first.metrics.customerListId as string).size).toBe(20);
	});

	it('creates one audience when executions with the same new name run at once', async () => {
		const name = uniqueName('Concurrent');
		const runs = await Promise.all(
			[0, 1, 2, 3].map((k) =>
				runNode({
					credential: credentialFor(emu),
					parameters: syncParameters({ audienceName: name }),
					items: emailItems(50, k * 50),
				}),
			),
		);
		expect(new Set(runs.map((r) => r.metrics.audienceId)).size).toBe(1);
		expect(runs.filter((r) => r.metrics.audienceCreated)).toHaveLength(1);
		expect(emu.findAudiences(ACCOUNT, name)).toHaveLength(1);
		expect(emu.listRecords(ACCOUNT, runs[0].metrics.customerListId as string).size).toBe(200);
	});

	it('adds to an existing audience, then removes the same users', async () => {
		const name = uniqueName('AddRemove');
		const created = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: name }),
			items: emailItems(5),
		});
		const audience = { __rl: true, mode: 'id', value: created.metrics.audienceId };
		const listId = created.metrics.customerListId as string;

		const added = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceMode: 'existing', audience }),
			items: emailItems(5, 5),
		});
		expect(added.metrics.usersSynced).toBe(5);
		expect(emu.listRecords(ACCOUNT, listId).size).toBe(10);

		const removed = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceMode: 'existing', audience, action: 'remove' }),
			items: emailItems(10),
		});
		expect(removed.metrics.usersSynced).toBe(10);
		expect(removed.metrics.action).toBe('remove');
		expect(emu.listRecords(ACCOUNT, listId).size).toBe(0);
	});

	it('fails clearly when an existing audience was deleted, and counts users as errored on continue', async () => {
		const created = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: uniqueName('Deleted') }),
			items: emailItems(3),
		});
		emu.deleteAudience(ACCOUNT, created.metrics.audienceId as string);
		const parameters = syncParameters({
			audienceMode: 'existing',
			audience: { __rl: true, mode: 'id', value: created.metrics.audienceId },
		});

		const node = new PinterestAudienceSync();
		await expect(
			node.execute.call(
				createExecuteContext({ credential: credentialFor(emu), parameters, items: emailItems(3) }),
			),
		).rejects.toThrow(/was not found in ad account 549755885175.*Pick another audience/);

		const run = await runNode({
			credential: credentialFor(emu),
			parameters,
			items: emailItems(3),
			continueOnFail: true,
		});
		expect(run.metrics.usersErrored).toBe(3);
		expect(run.metrics.errorReasons).toEqual({ 'audience not found': 3 });
		expect(statusOf(run, 2)).toEqual({ status: 'errored', reason: 'audience not found' });
	});

	it('refuses a non-customer-list audience before sending any user', async () => {
		const visitor = emu
			.findAudiences('549755885176')
			.find((a) => a.audience_type !== 'CUSTOMER_LIST');
		expect(visitor).toBeDefined();
		const parameters = syncParameters({
			adAccount: { __rl: true, mode: 'id', value: '549755885176' },
			audienceMode: 'existing',
			audience: { __rl: true, mode: 'id', value: visitor?.id },
		});
		const before = emu.log.filter((e) => e.method === 'PATCH').length;
		await expect(
			new PinterestAudienceSync().execute.call(
				createExecuteContext({ credential: credentialFor(emu), parameters, items: emailItems(2) }),
			),
		).rejects.toThrow(/only be synced to customer-list audiences/);
		expect(emu.log.filter((e) => e.method === 'PATCH').length).toBe(before);
	});
});

describe('Sync Users: retries and tokens', () => {
	it('retries 429 bursts and 503s to success', async () => {
		const name = uniqueName('Retry');
		const created = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: name }),
			items: emailItems(1),
		});
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 2, status: 429 });
		emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 2, status: 503 });
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: name }),
			items: emailItems(4000, 1),
		});
		expect(run.metrics.usersSynced).toBe(4000);
		expect(run.metrics.retries).toBeGreaterThanOrEqual(4);
		expect(run.metrics.rateLimited).toBeGreaterThanOrEqual(2);
		expect(emu.listRecords(ACCOUNT, created.metrics.customerListId as string).size).toBe(4001);
	});

	it('refreshes an expired access token exactly once, even with requests in flight', async () => {
		const recorder = { refreshes: 0 };
		const credential = credentialFor(emu);
		await runNode({
			credential,
			credentialId: 'cred-expiry',
			parameters: syncParameters({ audienceName: uniqueName('Expiry') }),
			items: emailItems(1),
		});
		emu.expireAccessTokens(emu.demo.userId);
		const tokenCallsBefore = emu.tokenRequests().length;
		const run = await runNode(
			{
				credential,
				credentialId: 'cred-expiry',
				parameters: syncParameters({ audienceName: uniqueName('Expiry') }),
				items: emailItems(12_000),
			},
			recorder,
		);
		expect(run.metrics.usersSynced).toBe(12_000);
		expect(recorder.refreshes).toBe(1);
		expect(emu.tokenRequests().length - tokenCallsBefore).toBe(1);
		expect(credential.oauthTokenData.access_token).not.toBe(emu.demo.accessToken);
	});

	it('fails with a reconnect message when the token is revoked', async () => {
		const credential = credentialFor(emu, 'second');
		emu.revokeTokens(emu.demo.secondUserId);
		const parameters = syncParameters({
			adAccount: { __rl: true, mode: 'id', value: emu.demo.secondUserAdAccountId },
			audienceName: uniqueName('Revoked'),
		});
		await expect(
			new PinterestAudienceSync().execute.call(
				createExecuteContext({
					credential,
					credentialId: 'cred-revoked',
					parameters,
					items: emailItems(3),
				}),
			),
		).rejects.toThrow(/Reconnect the Pinterest credential/);
	});
});

describe('Sync Users: launch validation', () => {
	it.each([
		[{ adAccount: { __rl: true, mode: 'id', value: '' } }, /No ad account is selected/],
		[
			{ adAccount: { __rl: true, mode: 'id', value: 'acme' } },
			/"acme" is not a valid ad account ID/,
		],
		[{ audienceName: '  ' }, /The new audience has no name/],
		[
			{ audienceMode: 'existing', audience: { __rl: true, mode: 'id', value: '' } },
			/No audience is selected/,
		],
		[{ matchFields: [] }, /No field to match users by is selected/],
		[{ options: { batchSize: 5000 } }, /Batch Size must be between 1 and 1900/],
	])('stops before any call: %j', async (overrides, message) => {
		const before = emu.log.length;
		await expect(
			new PinterestAudienceSync().execute.call(
				createExecuteContext({
					credential: credentialFor(emu),
					parameters: syncParameters(overrides),
					items: emailItems(2),
				}),
			),
		).rejects.toThrow(message);
		expect(emu.log.length).toBe(before);
	});

	const numericOptions = (
		syncUsersDescription.find((property) => property.name === 'options')
			?.options as INodeProperties[]
	).filter((option) => option.type === 'number');

	it.each(
		numericOptions.flatMap((option) => {
			const { minValue, maxValue } = option.typeOptions as { minValue: number; maxValue: number };
			return [
				[option.displayName, option.name, minValue, maxValue, minValue - 0.01],
				[option.displayName, option.name, minValue, maxValue, maxValue + 0.01],
			] as const;
		}),
	)(
		"%s: the editor's bounds are the ones the node checks (%s = %d..%d, given %d)",
		async (label, name, min, max, value) => {
			const before = emu.log.length;
			await expect(
				new PinterestAudienceSync().execute.call(
					createExecuteContext({
						credential: credentialFor(emu),
						parameters: syncParameters({ options: { [name]: value } }),
						items: emailItems(2),
					}),
				),
			).rejects.toThrow(`${label} must be between ${min} and ${max}`);
			expect(emu.log.length).toBe(before);
		},
	);

	it('bounds-checks all five numeric options', () => {
		expect(numericOptions.map((option) => option.name).sort()).toEqual([
			'batchSize',
			'flushWindowSeconds',
			'requestTimeoutSeconds',
			'requestsPerSecond',
			'retryWindowMinutes',
		]);
	});
});

describe('Sync Users: the new audience description and the list errors Pinterest reports', () => {
	// Earlier tests expire and revoke the demo tokens: start from the seeded state. The reset restarts the
	// emulator's IDs, so these runs use a credential of their own: the node's memory of lists read (per
	// credential and list ID) cannot mistake a new list for one of the same ID read before the reset.
	beforeAll(() => emu.reset());
	const credentialId = 'cred-list-errors';

	it('creates the new audience with the description from the options, and keeps it on later runs', async () => {
		const name = uniqueName('Described');
		const parameters = syncParameters({
			audienceName: name,
			options: { audienceDescription: '  Customers with 3+ orders  ' },
		});
		await runNode({
			credential: credentialFor(emu),
			credentialId,
			parameters,
			items: emailItems(2),
		});
		const again = syncParameters({
			audienceName: name,
			options: { audienceDescription: 'Another text' },
		});
		await runNode({
			credential: credentialFor(emu),
			credentialId,
			parameters: again,
			items: emailItems(2, 2),
		});

		expect(emu.findAudiences(ACCOUNT, name).map((a) => a.description)).toEqual([
			'Customers with 3+ orders',
		]);
	});

	it('gives a new audience the default description without the option', async () => {
		const name = uniqueName('Default description');
		const run = await runNode({
			credential: credentialFor(emu),
			credentialId,
			parameters: syncParameters({ audienceName: name }),
			items: emailItems(1),
		});

		expect(emu.findAudiences(ACCOUNT, name)[0].description).toBe(
			'Synced from n8n (Pinterest Audience Sync)',
		);
		// Pinterest reports no errors for the list: the Metrics item has none.
		expect(run.metrics).not.toHaveProperty('customerListExceptions');
	});

	it('shows a non-empty exceptions object of the list in the Metrics item, read once after the sync', async () => {
		const [trial] = emu.findAudiences(ACCOUNT, 'Trial users');
		const listId = trial.rule.customer_list_id as string;
		const exceptions = { code: 2, message: 'Advertiser not found.' };
		emu.setCustomerListExceptions(ACCOUNT, listId, exceptions);
		const since = emu.log.length;

		const run = await runNode({
			credential: credentialFor(emu),
			credentialId,
			parameters: syncParameters({
				audienceMode: 'existing',
				audience: { __rl: true, mode: 'id', value: trial.id },
			}),
			items: emailItems(3, 3),
		});

		expect(run.metrics.customerListExceptions).toEqual(exceptions);
		const reads = emu.log
			.slice(since)
			.filter((e) => e.method === 'GET' && e.path.endsWith(`/customer_lists/${listId}`));
		expect(reads).toHaveLength(1);
	});

	it('leaves the list errors out when the list cannot be read, without failing the sync', async () => {
		const name = uniqueName('Unreadable list');
		emu.addFault({ method: 'GET', path: '/customer_lists/\\d+$', count: 1, status: 503 });

		const run = await runNode({
			credential: credentialFor(emu),
			credentialId,
			parameters: syncParameters({ audienceName: name }),
			items: emailItems(2),
		});

		expect(run.metrics.usersSynced).toBe(2);
		expect(run.metrics).not.toHaveProperty('customerListExceptions');
		// One read, answered 503, not retried: nobody waits for it.
		const listId = run.metrics.customerListId as string;
		const reads = emu.log.filter(
			(e) => e.method === 'GET' && e.path.endsWith(`/customer_lists/${listId}`),
		);
		expect(reads.map((e) => e.status)).toEqual([503]);
		emu.clearFaults();
	});
});
