/**
 * Real n8n in queue mode: a main process and 2 workers sharing Redis (Debian's redis-server) and
 * PostgreSQL, the packed package installed the way Settings → Community Nodes installs it, and a webhook
 * workflow (Webhook → Code making the users → Sync Users into a new audience named `{{ $json.list }}`).
 * 6 executions at once into 3 audience names, against the emulator at 150 ms latency: as is, with the
 * access token expiring mid-run, with n8n's Redis (persistent, AOF) killed and restarted 3 s later, with
 * Create Actalike called 3 times (another workflow, same Pinterest user) while the syncs write, and
 * with a worker killed mid-sync (its callers retry the non-2xx answers). What the emulator saw must be what a marketer expects: every
 * user in the audience its execution named, one audience and one customer list per name, Pinterest's
 * 7 writes per second never exceeded, one token refresh for one expiry, every execution succeeded.
 *
 *   npm run test:queue-mode-n8n      (builds first; needs redis-server and postgresql, see .ci/run)
 *
 * Versions: N8N_QUEUE_MODE_VERSIONS (default "2.8.4"); users per execution: QUEUE_MODE_USERS (19000).
 * Figures go to test-artifacts/queue-mode-<version>.json; with QUEUE_MODE_RESULTS=benchmarks/RESULTS.md
 * also to that file's "Queue mode in real n8n <version>" section (the rest of the file is kept).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';

import { startEmulator, type Emulator } from '../../emulator';
import { ensureN8n } from '../../scripts/lib/n8n';
import {
	describeScenario,
	executionsPerWorker,
	postgresVersion,
	resultsSection,
	runScenario,
	startQueueMode,
	unmetExpectations,
	writeResultsSection,
	type QueueModeStack,
	type ScenarioResult,
} from '../../scripts/lib/queueMode';
import { actalikeWorkflow, demoCredential, queueModeWorkflow } from '../../scripts/lib/workflows';
import { ARTIFACTS_DIR } from './support';

const MINUTE = 60_000;
const VERSIONS = (process.env.N8N_QUEUE_MODE_VERSIONS ?? '2.8.4').split(/[\s,]+/).filter(Boolean);
const USERS = Number(process.env.QUEUE_MODE_USERS ?? 19_000);
const EXECUTIONS = 6;
const LATENCY_MS = 150;
/** The access token expires once this many writes have reached Pinterest (mid-run), with writes in flight. */
const EXPIRE_AFTER_WRITES = 10;

/** Each scenario has its own emulator (own log, tokens and audiences), credential and webhook. */
const SCENARIOS = [
	{
		key: 'steady',
		title: 'without token expiry',
		webhookId: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c51',
		expireAfterWrites: undefined,
	},
	{
		key: 'expiry',
		title: 'with the access token expiring mid-run',
		webhookId: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c52',
		expireAfterWrites: EXPIRE_AFTER_WRITES,
	},
	{
		key: 'redis',
		title: 'with Redis killed (SIGKILL) and restarted 3 s later (AOF)',
		webhookId: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c53',
		expireAfterWrites: undefined,
	},
	{
		key: 'actalike',
		title: 'with Create Actalike called 3 times beside the sync (same Pinterest user)',
		webhookId: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c55',
		expireAfterWrites: undefined,
	},
	// Last: the stack has one worker fewer afterwards.
	{
		key: 'killed',
		title: 'with a worker killed (SIGKILL) mid-sync, callers retrying non-2xx answers',
		webhookId: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c54',
		expireAfterWrites: undefined,
	},
] as const;
/** Disruptions start once this many writes have reached Pinterest. */
const DISRUPT_AFTER_WRITES = 20;
/**
 * Redis is killed earlier, while no execution can be on its last write (each has 10): n8n's main learns
 * that an execution ended through Redis, so one that ends while Redis is down is saved as succeeded but
 * its webhook call is never answered (README, queue mode) — n8n's behaviour, not what this run checks.
 */
const REDIS_KILL_AFTER_WRITES = 8;
/** The Actalike workflow's webhook (scenario `actalike`) and the names it is called with. */
const ACTALIKE_WEBHOOK = {
	id: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c56',
	path: 'queue-mode-actalike-create',
};
const ACTALIKE_NAMES = [1, 2, 3].map((n) => `Queue mode Actalike ${n}`);
/** The emulator's seeded READY audience (150 members) of the demo ad account: the Actalikes' seed. */
const SEED_AUDIENCE_NAME = 'Newsletter subscribers';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The emulator's clock (it runs in this process). */
const now = () => performance.timeOrigin + performance.now();

function disruption(key: string, stack: QueueModeStack) {
	if (key === 'redis')
		return {
			afterWrites: REDIS_KILL_AFTER_WRITES,
			action: async () => {
				await stack.redis.kill();
				await sleep(3000);
				await stack.redis.restart();
				return { backAt: now() };
			},
		};
	if (key === 'killed')
		return {
			afterWrites: DISRUPT_AFTER_WRITES,
			action: async () => stack.workers[stack.workers.length - 1].kill(),
		};
	return undefined;
}

const log = (line: string) => process.stdout.write(`${line}\n`);

describe.each(VERSIONS)('n8n %s in queue mode (main + 2 workers, Redis, PostgreSQL)', (version) => {
	const emulators: Partial<Record<(typeof SCENARIOS)[number]['key'], Emulator>> = {};
	let stack: QueueModeStack | undefined;
	const results: Array<{ title: string; result: ScenarioResult }> = [];
	const loadAtStart = loadavg();
	const figures: Record<string, unknown> = {
		version,
		usersPerExecution: USERS,
		executions: EXECUTIONS,
	};

	beforeAll(async () => {
		await ensureN8n(version);
		const credentials = [];
		const workflows = [];
		for (const s of SCENARIOS) {
			const emu = await startEmulator({ latencyMs: LATENCY_MS });
			emulators[s.key] = emu;
			const credential = demoCredential(emu, {
				id: `queueMode${s.key.padEnd(6, '0')}`,
				name: `Pinterest (emulator, ${s.key})`,
			});
			credentials.push(credential);
			if (s.key === 'actalike')
				workflows.push(
					actalikeWorkflow({
						id: 'queueModeWfActalikeCreate',
						name: 'Queue mode: Create Actalike',
						webhookId: ACTALIKE_WEBHOOK.id,
						webhookPath: ACTALIKE_WEBHOOK.path,
						credential,
						adAccountId: emu.demo.adAccountId,
						seedAudienceId: emu.findAudiences(emu.demo.adAccountId, SEED_AUDIENCE_NAME)[0].id,
					}),
				);
			workflows.push(
				queueModeWorkflow({
					id: `queueModeWf${s.key.padEnd(6, '0')}`,
					name: `Queue mode: ${s.title}`,
					webhookId: s.webhookId,
					webhookPath: `queue-mode-${s.key}`,
					credential,
					adAccountId: emu.demo.adAccountId,
				}),
			);
		}
		const started = Date.now();
		stack = await startQueueMode({ version, workers: 2, credentials, workflows, onProgress: log });
		figures.startSeconds = (Date.now() - started) / 1000;
	}, 10 * MINUTE);

	afterAll(async () => {
		if (stack) figures.executionsPerWorker = executionsPerWorker(stack);
		await stack?.stop();
		for (const emu of Object.values(emulators)) await emu?.close();
		mkdirSync(ARTIFACTS_DIR, { recursive: true });
		writeFileSync(
			join(ARTIFACTS_DIR, `queue-mode-${version}.json`),
			JSON.stringify(figures, null, 2),
		);
		const resultsFile = process.env.QUEUE_MODE_RESULTS;
		if (resultsFile && results.length === SCENARIOS.length) {
			writeResultsSection(
				resolve(resultsFile),
				resultsSection({
					date: new Date().toISOString().slice(0, 10),
					loadAverage: loadAtStart,
					version,
					postgresVersion: postgresVersion(),
					workers: 2,
					executions: EXECUTIONS,
					names: 3,
					usersPerExecution: USERS,
					latencyMs: LATENCY_MS,
					expireAfterWrites: EXPIRE_AFTER_WRITES,
					scenarios: results,
				}),
				version,
			);
		}
	}, 2 * MINUTE);

	test.each(SCENARIOS)(
		'$title: 6 executions into 3 new audiences end in one audience per name with every user, within the limit',
		async (s) => {
			const emu = emulators[s.key] as Emulator;
			const names = [1, 2, 3].map((n) => `Queue ${s.key} list ${n}`);
			const r = await runScenario({
				emu,
				stack: stack as QueueModeStack,
				workflowId: `queueModeWf${s.key.padEnd(6, '0')}`,
				webhookPath: `queue-mode-${s.key}`,
				names,
				executions: EXECUTIONS,
				usersPerExecution: USERS,
				prefix: `qm-${s.key}-`,
				expireAfterWrites: s.expireAfterWrites,
				disrupt: disruption(s.key, stack as QueueModeStack),
				retries: s.key === 'killed' ? 2 : 0,
				beside:
					s.key === 'actalike'
						? {
								afterWrites: DISRUPT_AFTER_WRITES,
								webhookPath: ACTALIKE_WEBHOOK.path,
								bodies: ACTALIKE_NAMES.map((name) => ({ name })),
							}
						: undefined,
			});
			const { answers, ...rest } = r;
			figures[s.key] = { ...rest, answerStatuses: answers.map((a) => a.status) };
			results.push({ title: s.title, result: r });
			log([`n8n ${version} queue mode, ${s.title}:`, ...describeScenario(r)].join('\n  '));

			if (s.expireAfterWrites !== undefined) {
				// The expiry really happened mid-run.
				expect(r.expiry?.afterWrites).toBeLessThan(r.writes.total);
			}
			if (s.key === 'redis') {
				// Writes resumed within seconds of Redis being back.
				expect(r.disruption?.firstAfterMs).toBeLessThan(5000);
			}
			if (s.key === 'actalike') {
				// Each Actalike created once, its workflow answered 200, and (below) still no 429.
				expect(r.besideAnswers.map((a) => a.status)).toEqual(ACTALIKE_NAMES.map(() => 200));
				for (const name of ACTALIKE_NAMES)
					expect(emu.findAudiences(emu.demo.adAccountId, name)).toEqual([
						expect.objectContaining({ audience_type: 'ACTALIKE' }),
					]);
			}
			if (s.key === 'killed') {
				// The survivor is back at 7 writes a second within 3 s of the kill.
				expect(r.disruption?.backAfterMs).toBeLessThan(3000);
			}
			expect(
				unmetExpectations(r, {
					executions: EXECUTIONS,
					tokenRequests: s.expireAfterWrites === undefined ? 0 : 1,
				}),
			).toEqual([]);
		},
		6 * MINUTE,
	);
});
