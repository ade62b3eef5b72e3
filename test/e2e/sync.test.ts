/**
 * Pinterest Audience Sync inside a real n8n (CLI `execute`), against the bundled emulator running in
 * this jest process. One n8n instance per version; credentials and workflows are imported once.
 * Versions: N8N_E2E_VERSIONS (default "2.8.4 2.41.1"); missing installs are made by scripts/install-n8n.sh.
 */
import { startEmulator, type Audience, type Emulator } from '../../emulator';
import {
	createN8nInstance,
	ensureN8n,
	type ExecuteResult,
	type N8nInstance,
} from '../../scripts/lib/n8n';
import {
	emulatorCredential,
	exampleNames,
	forLocalRun,
	LARGE_LIST_EXAMPLE,
	hashEmail,
	loadExample,
	metricsOf,
	nodeOutput,
	nodeRun,
	runError,
	withManualTrigger,
	withoutWaits,
} from '../../scripts/lib/workflows';
import {
	e2eVersions,
	recordTimings,
	rl,
	simpleEmails,
	simpleUsersCode,
	SYNC_NODE,
	syncWorkflow,
} from './support';

const MINUTE = 60_000;

/** 25,000 users with mixed case and spaces, 50 invalid addresses and 24 repeated users (other case). */
const BULK_USERS_CODE = `
const users = [];
for (let i = 0; i < 25000; i++) {
  let email = '  User' + i + '@Example.COM ';
  if (i % 500 === 499) email = 'not-an-email-' + i;
  else if (i > 1 && i % 1000 === 1) email = users[i - 1].json.email.trim().toLowerCase();
  users.push({ json: { id: i, email } });
}
return users;`;

function bulkUsers(): Array<{ json: { id: number; email: string } }> {
	// eslint-disable-next-line @typescript-eslint/no-implied-eval
	return new Function(BULK_USERS_CODE)();
}

const CRED = { id: 'pinE2eDemo00001', name: 'Pinterest (emulator, demo user)' };
const CRED_EXPIRED = { id: 'pinE2eExpired01', name: 'Pinterest (emulator, expired token)' };
const CRED_REVOKED = { id: 'pinE2eRevoked01', name: 'Pinterest (emulator, second user, revoked)' };

const WF = {
	bulk: 'e2eBulk25000001',
	rerun: 'e2eRerun0000001',
	existingAdd: 'e2eExistAdd0001',
	existingRemove: 'e2eExistRem0001',
	refresh: 'e2eRefresh00001',
	revoked: 'e2eRevoked00001',
	deleted: 'e2eDeleted00001',
	deletedContinue: 'e2eDeletedCont1',
	segments: 'e2eSegments0001',
	perItemExisting: 'e2ePerItemExist',
};

/** Ten users whose items name their segment, alternately "Segment Even" and "Segment Odd". */
const SEGMENT_USERS_CODE = `return Array.from({ length: 10 }, (_, i) => ({ json: { email: 'segment-user' + i + '@example.com', segment: i % 2 === 0 ? 'Segment Even' : 'Segment Odd' } }));`;

const messageOf = (r: ExecuteResult): string => {
	const e = runError(r.run);
	return [e?.message, e?.description].filter(Boolean).join(' | ');
};

/** Explains a failed execution in the assertion output. */
function expectSuccess(r: ExecuteResult): void {
	if (r.exitCode !== 0 || r.run?.status !== 'success') {
		throw new Error(
			`execution failed: exit ${r.exitCode}, status ${r.run?.status}, error: ${messageOf(r)}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`,
		);
	}
}

describe.each(e2eVersions())('n8n %s', (version) => {
	let emu: Emulator;
	let n8n: N8nInstance;
	let newsletter: Audience;
	let trialUsers: Audience;
	let segment010: Audience;
	let expiredTokens: { access_token: string; refresh_token: string };
	const timings: Record<string, number> = {};
	let suiteStart = Date.now();

	/** Executes and records the wall time under `label`. */
	async function run(label: string, workflowId: string): Promise<ExecuteResult> {
		const t = Date.now();
		const r = await n8n.execute(workflowId);
		timings[label] = Date.now() - t;
		return r;
	}

	beforeAll(async () => {
		suiteStart = Date.now();
		let t = Date.now();
		await ensureN8n(version);
		timings['install (0 if cached)'] = Date.now() - t;
		t = Date.now();
		emu = await startEmulator({});
		n8n = await createN8nInstance({ version });
		const demo = emu.demo;
		newsletter = emu.findAudiences(demo.adAccountId, 'Newsletter subscribers')[0];
		trialUsers = emu.findAudiences(demo.adAccountId, 'Trial users')[0];
		segment010 = emu.findAudiences(demo.bigAdAccountId, 'Segment 010')[0];
		expiredTokens = emu.issueTokens(demo.userId, { expired: true });
		const revocable = emu.issueTokens(demo.secondUserId);
		const base = { baseUrl: emu.url, clientId: demo.clientId, clientSecret: demo.clientSecret };
		await n8n.importCredentials([
			emulatorCredential({
				...CRED,
				...base,
				accessToken: demo.accessToken,
				refreshToken: demo.refreshToken,
			}),
			emulatorCredential({
				...CRED_EXPIRED,
				...base,
				accessToken: expiredTokens.access_token,
				refreshToken: expiredTokens.refresh_token,
			}),
			emulatorCredential({
				...CRED_REVOKED,
				...base,
				accessToken: revocable.access_token,
				refreshToken: revocable.refresh_token,
			}),
		]);

		const noFlush = { flushWindowSeconds: 0, writeStatus: true };
		const workflows: object[] = [
			syncWorkflow({
				id: WF.bulk,
				name: 'E2E bulk 25,000',
				credential: CRED,
				usersCode: BULK_USERS_CODE,
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'createNew',
					audienceName: 'E2E bulk audience',
					options: noFlush,
				},
			}),
			syncWorkflow({
				id: WF.rerun,
				name: 'E2E re-run',
				credential: CRED,
				usersCode: simpleUsersCode('rerun', 100),
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'createNew',
					audienceName: 'E2E re-run audience',
					options: noFlush,
				},
			}),
			syncWorkflow({
				id: WF.existingAdd,
				name: 'E2E existing audience: add',
				credential: CRED,
				usersCode: simpleUsersCode('existing', 200),
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'existing',
					audience: rl(newsletter.id),
					options: noFlush,
				},
			}),
			syncWorkflow({
				id: WF.existingRemove,
				name: 'E2E existing audience: remove',
				credential: CRED,
				usersCode: simpleUsersCode('existing', 100),
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'existing',
					audience: rl(newsletter.id),
					action: 'remove',
					options: noFlush,
				},
			}),
			syncWorkflow({
				id: WF.refresh,
				name: 'E2E expired access token',
				credential: CRED_EXPIRED,
				usersCode: simpleUsersCode('refresh', 50),
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'createNew',
					audienceName: 'E2E refresh audience',
					options: noFlush,
				},
			}),
			syncWorkflow({
				id: WF.revoked,
				name: 'E2E revoked token',
				credential: CRED_REVOKED,
				usersCode: simpleUsersCode('revoked', 20),
				parameters: {
					adAccount: rl(demo.secondUserAdAccountId),
					audienceMode: 'createNew',
					audienceName: 'E2E revoked audience',
					options: { ...noFlush, retryWindowMinutes: 0 },
				},
			}),
			syncWorkflow({
				id: WF.deleted,
				name: 'E2E deleted audience',
				credential: CRED,
				usersCode: simpleUsersCode('deleted', 30),
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'existing',
					audience: rl(trialUsers.id),
					options: { ...noFlush, retryWindowMinutes: 0 },
				},
			}),
			syncWorkflow({
				id: WF.deletedContinue,
				name: 'E2E deleted audience, continue on error',
				credential: CRED,
				usersCode: simpleUsersCode('deleted', 30),
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'existing',
					audience: rl(trialUsers.id),
					options: { ...noFlush, retryWindowMinutes: 0 },
				},
				nodeSettings: { onError: 'continueRegularOutput' },
			}),
			syncWorkflow({
				id: WF.segments,
				name: 'E2E audience per item',
				credential: CRED,
				usersCode: SEGMENT_USERS_CODE,
				parameters: {
					adAccount: rl(demo.adAccountId),
					audienceMode: 'createNew',
					audienceName: '={{ $json.segment }}',
					options: noFlush,
				},
			}),
			syncWorkflow({
				id: WF.perItemExisting,
				name: 'E2E existing audience and ad account per item',
				credential: CRED,
				usersCode: `return [0, 1, 2, 3].map((i) => ({ json: { email: 'routed' + i + '@example.com', account: i % 2 ? '${demo.bigAdAccountId}' : '${demo.adAccountId}', audienceId: i % 2 ? '${segment010.id}' : '${newsletter.id}' } }));`,
				parameters: {
					adAccount: rl('={{ $json.account }}'),
					audienceMode: 'existing',
					audience: rl('={{ $json.audienceId }}'),
					options: noFlush,
				},
			}),
			...examplesRunOnce().map((name, i) =>
				withManualTrigger(
					forLocalRun(withoutWaits(loadExample(name)), {
						id: `e2eExample${String(i + 1).padStart(5, '0')}`,
						credential: CRED,
						adAccountId: demo.adAccountId,
						parameters: exampleParameters(name, segment010),
					}),
					exampleTriggerItems(name),
				),
			),
		];
		await n8n.importWorkflow(workflows);
		timings['setup (emulator, n8n, imports)'] = Date.now() - t;
	}, 40 * MINUTE);

	afterAll(async () => {
		await n8n?.cleanup();
		await emu?.close();
		timings['whole suite'] = Date.now() - suiteStart;
		recordTimings(version, timings);
	});

	test(
		'(a) 25,000 users into a new audience: both outputs, exact hashes, ≤ 1,900 records per request, ≤ 7 writes/s',
		async () => {
			const logStart = emu.log.length;
			const r = await run('(a) 25,000 users', WF.bulk);
			expectSuccess(r);
			const input = bulkUsers();

			const users = nodeOutput(r.run, SYNC_NODE, 0);
			expect(users).toHaveLength(25_000);
			users.forEach((item, i) => {
				if (item.json.id !== i || item.json.email !== input[i].json.email)
					throw new Error(`Users output item ${i} is out of order`);
				if ((item.pairedItem as { item: number }).item !== i)
					throw new Error(`Users output item ${i} pairs with ${JSON.stringify(item.pairedItem)}`);
				const expectedStatus = input[i].json.email.startsWith('not-an-email')
					? 'notSynced'
					: 'synced';
				if (item.json.pinterestAudienceSync?.status !== expectedStatus) {
					throw new Error(
						`Users output item ${i} has status ${JSON.stringify(item.json.pinterestAudienceSync)}`,
					);
				}
			});
			expect(users[499].json.pinterestAudienceSync).toEqual({
				status: 'notSynced',
				reason: 'Email is not a valid address',
			});

			const metricsItems = nodeOutput(r.run, SYNC_NODE, 1);
			expect(metricsItems).toHaveLength(1);
			const m = metricsItems[0].json;
			expect(m.entered).toBe(25_000);
			expect(m.usersSynced + m.usersNotSynced + m.usersErrored + m.usersPending).toBe(m.entered);
			expect(m.proceededToNextStep).toBe(25_000);
			expect(m.usersNotSynced).toBe(50);
			expect(m.usersSynced).toBe(24_950);
			expect(m.usersErrored).toBe(0);
			expect(m.usersPending).toBe(0);
			expect(m.audienceCreated).toBe(true);
			expect(m.adAccountId).toBe(emu.demo.adAccountId);

			const expected = new Set(
				input
					.filter((u) => !u.json.email.startsWith('not-an-email'))
					.map((u) => hashEmail(u.json.email)),
			);
			expect(expected.size).toBe(24_926);
			const lists = emu.findCustomerLists(emu.demo.adAccountId, 'E2E bulk audience');
			expect(lists).toHaveLength(1);
			expect(lists[0].id).toBe(String(m.customerListId));
			const held = emu.listRecords(emu.demo.adAccountId, lists[0].id);
			expect(held.size).toBe(expected.size);
			for (const h of expected)
				if (!held.has(h)) throw new Error(`list lacks the hash of an input user (${h})`);
			const audiences = emu.findAudiences(emu.demo.adAccountId, 'E2E bulk audience');
			expect(audiences).toHaveLength(1);
			expect(audiences[0].id).toBe(String(m.audienceId));

			const writes = emu.log.slice(logStart).filter((e) => e.category === 'ads_write');
			expect(Math.max(...writes.map((e) => e.recordCount))).toBeLessThanOrEqual(1900);
			expect(emu.largestRequestRecords()).toBeLessThanOrEqual(1900);
			expect(writes.filter((e) => e.status === 429)).toHaveLength(m.rateLimited);
		},
		10 * MINUTE,
	);

	test(
		"(a2) New Audience Name {{ $json.segment }}: each user goes to its own segment's audience, one Metrics item per audience",
		async () => {
			const r = await run('(a2) audience per item', WF.segments);
			expectSuccess(r);
			const metrics = nodeOutput(r.run, SYNC_NODE, 1).map((item) => item.json);
			expect(metrics.map((m) => [m.audienceName, m.entered, m.usersSynced])).toEqual([
				['Segment Even', 5, 5],
				['Segment Odd', 5, 5],
			]);
			for (const [index, name] of ['Segment Even', 'Segment Odd'].entries()) {
				const lists = emu.findCustomerLists(emu.demo.adAccountId, name);
				expect(lists).toHaveLength(1);
				expect(lists[0].id).toBe(String(metrics[index].customerListId));
				const held = emu.listRecords(emu.demo.adAccountId, lists[0].id);
				const members = Array.from({ length: 10 }, (_, i) => i).filter((i) => i % 2 === index);
				expect([...held].sort()).toEqual(
					members.map((i) => hashEmail(`segment-user${i}@example.com`)).sort(),
				);
				expect(emu.findAudiences(emu.demo.adAccountId, name)).toHaveLength(1);
			}
			const users = nodeOutput(r.run, SYNC_NODE, 0);
			expect(users.map((u) => u.json.pinterestAudienceSync?.status)).toEqual(
				Array(10).fill('synced'),
			);
		},
		5 * MINUTE,
	);

	test(
		'(a3) Ad Account and Audience by ID per item: each user reaches the audience its item names',
		async () => {
			const r = await run('(a3) existing audience per item', WF.perItemExisting);
			expectSuccess(r);
			const metrics = nodeOutput(r.run, SYNC_NODE, 1).map((item) => item.json);
			expect(metrics.map((m) => [m.adAccountId, m.audienceId, m.usersSynced])).toEqual([
				[emu.demo.adAccountId, newsletter.id, 2],
				[emu.demo.bigAdAccountId, segment010.id, 2],
			]);
			const newsletterList = emu.listRecords(
				emu.demo.adAccountId,
				String(metrics[0].customerListId),
			);
			const segmentList = emu.listRecords(
				emu.demo.bigAdAccountId,
				String(metrics[1].customerListId),
			);
			for (const i of [0, 1, 2, 3]) {
				const hash = hashEmail(`routed${i}@example.com`);
				expect([newsletterList.has(hash), segmentList.has(hash)]).toEqual([
					i % 2 === 0,
					i % 2 === 1,
				]);
			}
		},
		5 * MINUTE,
	);

	test(
		'(b) the same workflow run twice makes one customer list and one audience',
		async () => {
			const first = await run('(b) re-run, first', WF.rerun);
			expectSuccess(first);
			const second = await run('(b) re-run, second', WF.rerun);
			expectSuccess(second);
			const m1 = metricsOf(first.run, SYNC_NODE)!;
			const m2 = metricsOf(second.run, SYNC_NODE)!;
			expect(m1.audienceCreated).toBe(true);
			expect(m2.audienceCreated).toBe(false);
			expect(m2.audienceId).toBe(m1.audienceId);
			expect(m2.customerListId).toBe(m1.customerListId);
			expect(emu.findCustomerLists(emu.demo.adAccountId, 'E2E re-run audience')).toHaveLength(1);
			expect(emu.findAudiences(emu.demo.adAccountId, 'E2E re-run audience')).toHaveLength(1);
			expect(emu.listRecords(emu.demo.adAccountId, String(m1.customerListId)).size).toBe(100);
		},
		5 * MINUTE,
	);

	test(
		'(c) existing audience: add users, then a remove workflow takes them out again',
		async () => {
			const listId = String(newsletter.rule.customer_list_id);
			const before = emu.listRecords(emu.demo.adAccountId, listId);
			const add = await run('(c) existing audience, add', WF.existingAdd);
			expectSuccess(add);
			expect(metricsOf(add.run, SYNC_NODE)).toEqual(
				expect.objectContaining({ entered: 200, usersSynced: 200 }),
			);
			const afterAdd = emu.listRecords(emu.demo.adAccountId, listId);
			expect(afterAdd.size).toBe(before.size + 200);
			for (const e of simpleEmails('existing', 200)) expect(afterAdd.has(hashEmail(e))).toBe(true);

			const remove = await run('(c) existing audience, remove', WF.existingRemove);
			expectSuccess(remove);
			expect(metricsOf(remove.run, SYNC_NODE)).toEqual(
				expect.objectContaining({ entered: 100, usersSynced: 100 }),
			);
			const afterRemove = emu.listRecords(emu.demo.adAccountId, listId);
			for (const e of simpleEmails('existing', 100))
				expect(afterRemove.has(hashEmail(e))).toBe(false);
			for (const e of simpleEmails('existing', 100, 101))
				expect(afterRemove.has(hashEmail(e))).toBe(true);
			for (const h of before) expect(afterRemove.has(h)).toBe(true);
		},
		5 * MINUTE,
	);

	test(
		'(d) expired access token: one refresh, run succeeds, the new token is stored',
		async () => {
			const tokenCallsBefore = emu.tokenRequests().length;
			const r = await run('(d) expired token', WF.refresh);
			expectSuccess(r);
			expect(emu.tokenRequests().length - tokenCallsBefore).toBe(1);
			expect(metricsOf(r.run, SYNC_NODE)).toEqual(
				expect.objectContaining({ entered: 50, usersSynced: 50 }),
			);
			const t = Date.now();
			const stored = await n8n.exportCredential(CRED_EXPIRED.id);
			timings['(d) export:credentials'] = Date.now() - t;
			const token = stored.data.oauthTokenData;
			expect(token.access_token).toEqual(expect.any(String));
			expect(token.access_token).not.toBe(expiredTokens.access_token);
			expect(token.refresh_token).toEqual(expect.any(String));
		},
		5 * MINUTE,
	);

	test(
		'(e) revoked token: the run fails and says to reconnect the credential',
		async () => {
			emu.revokeTokens(emu.demo.secondUserId);
			const r = await run('(e) revoked token', WF.revoked);
			expect(r.exitCode).not.toBe(0);
			expect(r.run?.status).toBe('error');
			expect(runError(r.run)?.node?.name).toBe(SYNC_NODE);
			expect(messageOf(r)).toMatch(/reconnect/i);
		},
		5 * MINUTE,
	);

	test(
		'(e) deleted audience: the run fails with a message naming the audience',
		async () => {
			emu.deleteAudience(emu.demo.adAccountId, trialUsers.id);
			const r = await run('(e) deleted audience', WF.deleted);
			expect(r.exitCode).not.toBe(0);
			expect(r.run?.status).toBe('error');
			const message = messageOf(r);
			expect(message).toContain(trialUsers.id);
			expect(message).toMatch(/no longer exists|deleted/i);
		},
		5 * MINUTE,
	);

	test(
		'(f) deleted audience with On Error = continue: success, every user proceeds, all counted Errored',
		async () => {
			const r = await run('(f) deleted audience, continue', WF.deletedContinue);
			expectSuccess(r);
			const users = nodeOutput(r.run, SYNC_NODE, 0);
			expect(users).toHaveLength(30);
			users.forEach((item, i) => {
				expect(item.json.email).toBe(`deleted${i + 1}@example.com`);
				expect(item.pairedItem).toEqual({ item: i });
			});
			const m = metricsOf(r.run, SYNC_NODE)!;
			expect(m.entered).toBe(30);
			expect(m.usersErrored).toBe(m.entered);
			expect(m.proceededToNextStep).toBe(30);
		},
		5 * MINUTE,
	);

	describe('workflow templates in examples/', () => {
		test.each(examplesRunOnce())(
			'%s runs',
			async (name) => {
				const index = examplesRunOnce().indexOf(name);
				const r = await run(`example ${name}`, `e2eExample${String(index + 1).padStart(5, '0')}`);
				expectSuccess(r);
				checkExample(name, r, emu, segment010);
			},
			5 * MINUTE,
		);
	});
});

// ---------- per-template test data and checks ----------

/** The templates `n8n execute` runs; the large-list one needs a running n8n (largeList.test.ts). */
function examplesRunOnce(): string[] {
	return exampleNames().filter((name) => name !== LARGE_LIST_EXAMPLE);
}

const webhookEvents = [
	{ email: 'Ann.Lee@Example.com', event: 'viewed_pricing' },
	{ email: 'bo@example.com ', event: 'added_to_cart' },
	{ email: 'cy@example.com', event: 'viewed_pricing' },
];
const segmentEvents = [
	{ email: 'ann@example.com', segment: 'Churn risk' },
	{ email: 'bob@example.com', segment: 'High value' },
	{ email: 'cid@example.com', segment: 'Churn risk' },
];
const purchases = ['segment10-1@example.com', 'segment10-2@example.com', 'segment10-3@example.com'];

function exampleTriggerItems(name: string): Record<string, Array<Record<string, unknown>>> {
	switch (name) {
		case 'user-event-webhook-to-audience':
			return {
				Webhook: webhookEvents.map((body) => ({ headers: {}, params: {}, query: {}, body })),
			};
		case 'webhook-segment-audiences':
			return {
				Webhook: segmentEvents.map((body) => ({ headers: {}, params: {}, query: {}, body })),
			};
		case 'purchase-webhook-swap-audiences':
			return {
				'Purchase Webhook': purchases.map((email, i) => ({
					headers: {},
					params: {},
					query: {},
					body: { email, orderId: `A-100${i}`, total: 120 + i },
				})),
			};
		default:
			return {};
	}
}

/** Points the prospecting step of the purchase template at a seeded audience whose members buy. */
function exampleParameters(
	name: string,
	prospecting: Audience,
): Record<string, Record<string, unknown>> | undefined {
	if (name !== 'purchase-webhook-swap-audiences') return undefined;
	return {
		'Remove From Prospecting': {
			adAccount: rl(prospecting.ad_account_id),
			audienceMode: 'existing',
			audience: rl(prospecting.id),
		},
		'Add to Suppression': { adAccount: rl(prospecting.ad_account_id) },
	};
}

function checkExample(name: string, r: ExecuteResult, emu: Emulator, prospecting: Audience): void {
	const demo = emu.demo;
	switch (name) {
		case 'user-event-webhook-to-audience': {
			const m = metricsOf(r.run, 'Add to Audience')!;
			expect(m).toEqual(expect.objectContaining({ entered: 3, usersSynced: 3 }));
			const held = emu.listRecords(demo.adAccountId, String(m.customerListId));
			for (const e of webhookEvents) expect(held.has(hashEmail(e.email))).toBe(true);
			break;
		}
		case 'webhook-segment-audiences': {
			const metrics = nodeOutput(r.run, 'Add to Segment Audience', 1).map((item) => item.json);
			expect(metrics.map((m) => [m.audienceName, m.usersSynced])).toEqual([
				['Churn risk (n8n)', 2],
				['High value (n8n)', 1],
			]);
			for (const m of metrics) {
				const held = emu.listRecords(demo.adAccountId, String(m.customerListId));
				const members = segmentEvents.filter((e) => `${e.segment} (n8n)` === m.audienceName);
				expect(held.size).toBe(members.length);
				for (const e of members) expect(held.has(hashEmail(e.email))).toBe(true);
			}
			break;
		}
		case 'scheduled-high-value-audience': {
			const m = metricsOf(r.run, 'Add to High-Value Audience')!;
			expect(m.entered).toBeGreaterThan(0);
			expect(m.usersSynced).toBe(m.entered);
			const [list] = emu.findCustomerLists(demo.adAccountId, 'High-value customers');
			expect(list).toBeDefined();
			expect(emu.listRecords(demo.adAccountId, list.id).size).toBe(m.usersSynced);
			break;
		}
		case 'purchase-webhook-swap-audiences': {
			const removed = metricsOf(r.run, 'Remove From Prospecting')!;
			const added = metricsOf(r.run, 'Add to Suppression')!;
			expect(removed).toEqual(expect.objectContaining({ entered: 3, usersSynced: 3 }));
			expect(added).toEqual(expect.objectContaining({ entered: 3, usersSynced: 3 }));
			const prospects = emu.listRecords(
				prospecting.ad_account_id,
				String(prospecting.rule.customer_list_id),
			);
			const suppression = emu.listRecords(prospecting.ad_account_id, String(added.customerListId));
			for (const e of purchases) {
				expect(prospects.has(hashEmail(e))).toBe(false);
				expect(suppression.has(hashEmail(e))).toBe(true);
			}
			expect(prospects.has(hashEmail('segment10-4@example.com'))).toBe(true);
			break;
		}
		case 'sync-then-actalike': {
			const m = metricsOf(r.run, 'Sync VIP Customers')!;
			expect(m.entered).toBeGreaterThan(0);
			expect(m.usersSynced).toBe(m.entered);
			const seed = nodeOutput(r.run, 'Get Seed Audience', 0)[0]?.json;
			expect(seed?.id).toBe(String(m.audienceId));
			const actalikes = emu.findAudiences(demo.adAccountId, 'VIP customers – Actalike');
			// Pinterest (and the emulator) need ~100 members before an audience is READY to seed an Actalike.
			expect(actalikes).toHaveLength(seed?.status === 'READY' ? 1 : 0);
			break;
		}
		default: {
			// A template without its own check: it must run, and no Pinterest node in it may fail.
			const pinterestNodes = loadExample(name).nodes.filter((n: { type: string }) =>
				n.type.endsWith('.pinterestAudienceSync'),
			);
			for (const node of pinterestNodes)
				expect(nodeRun(r.run, node.name)?.executionStatus ?? 'success').toBe('success');
		}
	}
}
