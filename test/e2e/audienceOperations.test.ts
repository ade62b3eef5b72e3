/**
 * The audience operations (Get, List, Create Actalike, Update and Archive Audience) inside a real n8n
 * (CLI `execute`) against the bundled emulator, including the examples/sync-then-actalike.json
 * template with its Wait shortened and the examples/clean-up-test-audiences.json template. Same harness as sync.test.ts; N8N_E2E_VERSIONS picks the versions.
 */
import { startEmulator, type Audience, type Emulator } from '../../emulator';
import {
	createN8nInstance,
	ensureN8n,
	type ExecuteResult,
	type N8nInstance,
} from '../../scripts/lib/n8n';
import {
	CREDENTIAL_TYPE,
	CUSTOM_NODE_TYPE,
	forLocalRun,
	loadExample,
	metricsOf,
	nodeOutput,
	runError,
	withManualTrigger,
} from '../../scripts/lib/workflows';
import { e2eVersions, importEmulatorCredential, recordTimings, rl } from './support';

const MINUTE = 60_000;
const CRED = { id: 'pinE2eAudOps001', name: 'Pinterest (emulator, audience operations)' };
const WF = {
	template: 'e2eAudOpsTmpl01',
	list: 'e2eAudOpsList01',
	errors: 'e2eAudOpsErr001',
	cleanUp: 'e2eAudOpsClean01',
	manage: 'e2eAudOpsMng001',
};
const TEMPLATE_CUSTOMERS = 120;

function expectSuccess(r: ExecuteResult): void {
	if (r.exitCode !== 0 || r.run?.status !== 'success') {
		const e = runError(r.run);
		throw new Error(
			`execution failed: exit ${r.exitCode}, status ${r.run?.status}, error: ${[e?.message, e?.description].filter(Boolean).join(' | ')}\n${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`,
		);
	}
}

interface WorkflowNode {
	name: string;
	type: string;
	parameters: Record<string, unknown>;
	[key: string]: unknown;
}

/** The template, runnable here: Manual Trigger, 120 customers, a 1-second Wait, our credential. */
function templateWorkflow(adAccountId: string): object {
	const wf = withManualTrigger(
		forLocalRun(loadExample('sync-then-actalike'), {
			id: WF.template,
			credential: CRED,
			adAccountId,
		}),
	) as { nodes: WorkflowNode[] };
	for (const node of wf.nodes) {
		if (node.name === 'Load Customers') {
			node.parameters.jsCode = `return Array.from({ length: ${TEMPLATE_CUSTOMERS} }, (_, i) => ({ json: { email: 'vip' + i + '@example.com' } }));`;
		}
		if (node.type === 'n8n-nodes-base.wait') node.parameters = { amount: 1, unit: 'seconds' };
	}
	return wf;
}

/** Creates a customer list and its audience in the emulator through its API, as another tool would. */
async function createAudience(emu: Emulator, name: string): Promise<string> {
	const { adAccountId, accessToken } = emu.demo;
	const post = async (path: string, body: object): Promise<{ id: string }> => {
		const response = await fetch(`${emu.apiBaseUrl}/ad_accounts/${adAccountId}${path}`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json' },
			body: JSON.stringify(body),
		});
		expect(response.status).toBe(201);
		return (await response.json()) as { id: string };
	};
	const list = await post('/customer_lists', { name, records: 'someone@example.com' });
	const audience = await post('/audiences', {
		name,
		audience_type: 'CUSTOMER_LIST',
		rule: { customer_list_id: list.id },
	});
	return audience.id;
}

/** Manual Trigger → one Pinterest node per entry, each fed by the trigger, with node settings. */
function operationsWorkflow(
	id: string,
	name: string,
	steps: Array<{
		name: string;
		parameters: Record<string, unknown>;
		settings?: Record<string, unknown>;
	}>,
): object {
	const nodes: object[] = [
		{
			id: `${id}-trigger`,
			name: 'Manual Trigger',
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [0, 0],
			parameters: {},
		},
	];
	steps.forEach((step, i) => {
		nodes.push({
			id: `${id}-${i}`,
			name: step.name,
			type: CUSTOM_NODE_TYPE,
			typeVersion: 1,
			position: [240, i * 160],
			parameters: step.parameters,
			credentials: { [CREDENTIAL_TYPE]: { id: CRED.id, name: CRED.name } },
			...(step.settings ?? {}),
		});
	});
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes,
		connections: {
			'Manual Trigger': {
				main: [steps.map((step) => ({ node: step.name, type: 'main', index: 0 }))],
			},
		},
	};
}

describe.each(e2eVersions())('n8n %s: audience operations', (version) => {
	let emu: Emulator;
	let n8n: N8nInstance;
	let trialUsers: Audience;
	let deleted: Audience;
	let visitors: Audience;
	const timings: Record<string, number> = {};
	const suiteStart = Date.now();

	async function run(label: string, workflowId: string): Promise<ExecuteResult> {
		const t = Date.now();
		const r = await n8n.execute(workflowId);
		timings[label] = Date.now() - t;
		return r;
	}

	beforeAll(async () => {
		await ensureN8n(version);
		emu = await startEmulator({});
		n8n = await createN8nInstance({ version });
		const demo = emu.demo;
		trialUsers = emu.findAudiences(demo.adAccountId, 'Trial users')[0];
		deleted = emu.findAudiences(demo.adAccountId, 'Pin engagers – 90 days')[0];
		emu.deleteAudience(demo.adAccountId, deleted.id);
		visitors = emu.findAudiences(demo.adAccountId, 'Site visitors – 30 days')[0];
		await importEmulatorCredential(n8n, emu, CRED);
		await n8n.importWorkflow([
			templateWorkflow(demo.adAccountId),
			operationsWorkflow(WF.list, 'E2E list audiences', [
				{
					name: 'List Segments',
					parameters: {
						operation: 'listAudiences',
						adAccount: rl(demo.bigAdAccountId),
						returnAll: false,
						limit: 300,
						filters: { audienceType: 'CUSTOMER_LIST' },
					},
				},
				{
					name: 'Find Engagers',
					parameters: {
						operation: 'listAudiences',
						adAccount: rl(demo.bigAdAccountId),
						returnAll: true,
						filters: { name: 'ENGAGERS' },
					},
				},
			]),
			operationsWorkflow(WF.errors, 'E2E audience operation errors', [
				{
					name: 'Get Deleted',
					parameters: {
						operation: 'getAudience',
						adAccount: rl(demo.adAccountId),
						audience: rl(deleted.id),
					},
					settings: { onError: 'continueRegularOutput' },
				},
				{
					name: 'Actalike From Small Seed',
					parameters: {
						operation: 'createActalike',
						adAccount: rl(demo.adAccountId),
						seedAudience: rl(trialUsers.id),
						actalikeName: 'E2E too small',
						countries: ['US'],
						percentage: 5,
					},
					settings: { onError: 'continueRegularOutput' },
				},
				{
					name: 'Archive Already Archived',
					parameters: {
						operation: 'archiveAudience',
						adAccount: rl(demo.adAccountId),
						audience: rl(deleted.id),
					},
					settings: { onError: 'continueRegularOutput' },
				},
			]),
			forLocalRun(loadExample('clean-up-test-audiences'), {
				id: WF.cleanUp,
				credential: CRED,
				adAccountId: demo.adAccountId,
			}),
			operationsWorkflow(WF.manage, 'E2E manage audiences', [
				{
					name: 'Rename Visitors',
					parameters: {
						operation: 'updateAudience',
						adAccount: rl(demo.adAccountId),
						audience: rl(visitors.id),
						updateFields: { name: 'Site visitors (30 days)', description: 'Visited the shop' },
					},
				},
				{
					name: 'List With Shared',
					parameters: {
						operation: 'listAudiences',
						adAccount: rl(demo.adAccountId),
						returnAll: true,
						filters: {},
						options: { includeShared: true, order: 'DESCENDING' },
					},
				},
			]),
		]);
	}, 40 * MINUTE);

	afterAll(async () => {
		await n8n?.cleanup();
		await emu?.close();
		timings['whole suite'] = Date.now() - suiteStart;
		recordTimings(`${version}-audience-operations`, timings);
	});

	test(
		'sync-then-actalike template: sync 120 users, wait, READY seed, one Actalike audience, idempotent re-run',
		async () => {
			const demo = emu.demo;
			const first = await run('template, first run', WF.template);
			expectSuccess(first);

			const metrics = metricsOf(first.run, 'Sync VIP Customers')!;
			expect(metrics).toEqual(
				expect.objectContaining({ entered: TEMPLATE_CUSTOMERS, usersSynced: TEMPLATE_CUSTOMERS }),
			);
			const seed = nodeOutput(first.run, 'Get Seed Audience', 0);
			expect(seed).toHaveLength(1);
			expect(seed[0].json).toEqual(
				expect.objectContaining({
					id: metrics.audienceId,
					status: 'READY',
					size: TEMPLATE_CUSTOMERS,
					sizeShown: true,
				}),
			);
			expect(nodeOutput(first.run, 'Get Seed Audience', 1)).toEqual([]);
			const created = nodeOutput(first.run, 'Create VIP Actalike', 0);
			expect(created.map((item) => item.json)).toEqual([
				expect.objectContaining({
					name: 'VIP customers – Actalike',
					type: 'ACTALIKE',
					created: true,
					country: 'US',
					percentage: 5,
					seedAudienceId: metrics.audienceId,
				}),
			]);
			const [actalike] = emu.findAudiences(demo.adAccountId, 'VIP customers – Actalike');
			expect(actalike.rule).toEqual({
				seed_id: [metrics.audienceId],
				country: 'US',
				percentage: 5,
			});

			const second = await run('template, re-run', WF.template);
			expectSuccess(second);
			const again = nodeOutput(second.run, 'Create VIP Actalike', 0);
			expect(again.map((item) => [item.json.id, item.json.created])).toEqual([
				[actalike.id, false],
			]);
			expect(emu.findAudiences(demo.adAccountId, 'VIP customers – Actalike')).toHaveLength(1);
			expect(emu.findAudiences(demo.adAccountId, 'VIP customers')).toHaveLength(1);
		},
		5 * MINUTE,
	);

	test(
		'List Audiences pages through the 602-audience account with a limit and filters',
		async () => {
			const r = await run('list audiences', WF.list);
			expectSuccess(r);
			const segments = nodeOutput(r.run, 'List Segments', 0);
			expect(segments).toHaveLength(300);
			expect(segments.every((item) => item.json.type === 'CUSTOMER_LIST')).toBe(true);
			expect(segments[299].json.name).toBe('Segment 300');
			expect(nodeOutput(r.run, 'Find Engagers', 0).map((item) => item.json.name)).toEqual([
				'Big account engagers',
			]);
		},
		5 * MINUTE,
	);

	test(
		'a deleted audience and a too-small seed reach the marketer as clear errors',
		async () => {
			const demo = emu.demo;
			const r = await run('errors', WF.errors);
			expectSuccess(r);
			expect(nodeOutput(r.run, 'Get Deleted', 0).map((item) => item.json.error)).toEqual([
				`Audience ${deleted.id} was not found in ad account ${demo.adAccountId}; it may have been deleted on Pinterest. Pick another audience.`,
			]);
			expect(
				nodeOutput(r.run, 'Actalike From Small Seed', 0).map((item) => item.json.error),
			).toEqual([
				`The seed audience "Trial users" (ID ${trialUsers.id}) is too small: Pinterest needs about 100 matched users before it can build an Actalike audience. Sync more users and try again in 24–48 hours.`,
			]);
			expect(emu.findAudiences(demo.adAccountId, 'E2E too small')).toEqual([]);
		},
		5 * MINUTE,
	);

	test(
		'clean-up-test-audiences template: archives the audiences named "Test –…" and keeps the others; a re-run finds none',
		async () => {
			const demo = emu.demo;
			const testIds = [
				await createAudience(emu, 'Test – VIP customers'),
				await createAudience(emu, 'Test – churned'),
			];
			await createAudience(emu, 'Keep – Test – not a prefix');

			const first = await run('clean-up template, first run', WF.cleanUp);
			expectSuccess(first);
			const archived = nodeOutput(first.run, 'Archive Test Audiences', 0).map((item) => item.json);
			expect(archived).toEqual([
				{
					id: testIds[0],
					name: 'Test – VIP customers',
					type: 'CUSTOMER_LIST',
					archived: true,
					adAccountId: demo.adAccountId,
				},
				expect.objectContaining({ id: testIds[1], name: 'Test – churned', archived: true }),
			]);
			expect(emu.findAudiences(demo.adAccountId, 'Test – VIP customers')).toEqual([]);
			expect(emu.findAudiences(demo.adAccountId, 'Test – churned')).toEqual([]);
			expect(emu.findAudiences(demo.adAccountId, 'Keep – Test – not a prefix')).toHaveLength(1);

			const second = await run('clean-up template, re-run', WF.cleanUp);
			expectSuccess(second);
			expect(nodeOutput(second.run, 'List Test Audiences', 0)).toEqual([]);
			expect(nodeOutput(second.run, 'Archive Test Audiences', 0)).toEqual([]);
		},
		5 * MINUTE,
	);

	test(
		"Update Audience renames and describes; List Audiences adds the shared audiences, newest first; archiving an archived audience is its item's error",
		async () => {
			const demo = emu.demo;
			const r = await run('manage audiences', WF.manage);
			expectSuccess(r);
			expect(nodeOutput(r.run, 'Rename Visitors', 0).map((item) => item.json)).toEqual([
				expect.objectContaining({
					id: visitors.id,
					name: 'Site visitors (30 days)',
					description: 'Visited the shop',
					changed: ['name', 'description'],
					previousName: 'Site visitors – 30 days',
				}),
			]);
			expect(emu.findAudiences(demo.adAccountId, 'Site visitors (30 days)')).toHaveLength(1);
			const listed = nodeOutput(r.run, 'List With Shared', 0).map((item) => item.json);
			const shared = listed.filter((json) => json.shared === true);
			expect(shared.map((json) => json.name)).toEqual(['Segment 010', 'Big account visitors']);
			expect(listed.slice(-2)).toEqual(shared);
			const ownIds = listed.filter((json) => json.shared === false).map((json) => String(json.id));
			expect(ownIds).toEqual([...ownIds].sort((a, b) => b.length - a.length || (b < a ? -1 : 1)));

			const errors = await run('errors, archive again', WF.errors);
			expectSuccess(errors);
			expect(
				nodeOutput(errors.run, 'Archive Already Archived', 0).map((item) => item.json.error),
			).toEqual([
				`Audience ${deleted.id} was not found in ad account ${demo.adAccountId}: it is already archived, or it was deleted or belongs to another ad account. Nothing was archived; check the audience ID, or leave it out.`,
			]);
		},
		5 * MINUTE,
	);
});
