#!/usr/bin/env node
'use strict';
/**
 * Real n8n in queue mode with this node, by hand: one main process and N workers (default 2) sharing one
 * Redis and one PostgreSQL, the packed package installed as Settings → Community Nodes installs it, a
 * webhook workflow whose executions run on the workers, and the Pinterest API emulator as the judge.
 * Prints what happened and exits non-zero when an execution failed, a name got more than one audience,
 * a user was not synced, or Pinterest's limit was exceeded. The same scenario, with assertions and a
 * token expiring mid-run, is the e2e test test/e2e/queueMode.test.ts (`npm run test:queue-mode-n8n`).
 *
 *   npm run build && node scripts/queue-mode.js [--workers 2] [--executions 6] [--users 19000]
 *       [--latency 150] [--expire-after-writes N]
 *
 * Needs: n8n 2.8.4 (scripts/install-n8n.sh installs it), Debian's redis-server (scripts/redis.sh install)
 * and postgresql packages (`apt-get install -y postgresql`; only the binaries are used: a throw-away
 * cluster is created in a temp folder and removed afterwards). N8N_E2E_KEEP=1 keeps the folders.
 */
const fs = require('node:fs');
const path = require('node:path');

const { REPO_ROOT } = require('./lib/n8n');
const {
	describeScenario,
	runScenario,
	startQueueMode,
	unmetExpectations,
	WRITES_PER_SECOND,
} = require('./lib/queueMode');
const { demoCredential, queueModeWorkflow } = require('./lib/workflows');

function option(name, fallback) {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback;
}
const WORKERS = option('workers', 2);
const EXECUTIONS = option('executions', 6);
const USERS = option('users', 19_000);
const LATENCY_MS = option('latency', 150);
const EXPIRE_AFTER_WRITES = option('expire-after-writes', undefined);
const WEBHOOK_PATH = 'pinterest-queue-mode';
const WORKFLOW_ID = 'queueModeWf0001';

const log = (line) => process.stdout.write(`${line}\n`);

async function main() {
	const builtEmulator = path.join(REPO_ROOT, 'build', 'emulator', 'index.js');
	if (!fs.existsSync(builtEmulator))
		throw new Error('build/ is missing: run `npm run build` first.');
	const { startEmulator } = require(builtEmulator);
	const emu = await startEmulator({ writesPerSecond: WRITES_PER_SECOND, latencyMs: LATENCY_MS });
	log(
		`Emulator    ${emu.url} (${WRITES_PER_SECOND} writes/s per Pinterest user, ${LATENCY_MS} ms)`,
	);
	let stack;
	try {
		const credential = demoCredential(emu, { id: 'queueModeCred01', name: 'Pinterest (emulator)' });
		stack = await startQueueMode({
			workers: WORKERS,
			credentials: [credential],
			workflows: [
				queueModeWorkflow({
					id: WORKFLOW_ID,
					name: 'Queue mode: webhook to Pinterest audience',
					webhookId: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c5d',
					webhookPath: WEBHOOK_PATH,
					credential,
					adAccountId: emu.demo.adAccountId,
				}),
			],
			onProgress: log,
		});
		const names = Array.from(
			{ length: Math.min(3, EXECUTIONS) },
			(_, i) => `Queue mode list ${i + 1}`,
		);
		log(
			`\n${EXECUTIONS} webhook executions × ${USERS} users into ${names.length} new audiences of one Pinterest user...`,
		);
		const r = await runScenario({
			emu,
			stack,
			workflowId: WORKFLOW_ID,
			webhookPath: WEBHOOK_PATH,
			names,
			executions: EXECUTIONS,
			usersPerExecution: USERS,
			prefix: 'qm-',
			expireAfterWrites: EXPIRE_AFTER_WRITES,
		});
		log('');
		for (const line of describeScenario(r)) log(line);
		const unmet = unmetExpectations(r, {
			executions: EXECUTIONS,
			tokenRequests: EXPIRE_AFTER_WRITES === undefined ? 0 : 1,
		});
		const ok = unmet.length === 0;
		for (const line of unmet) log(`NOT MET: ${line}`);
		log(ok ? '\nOK' : '\nFAILED: see above.');
		return ok;
	} finally {
		await stack?.stop();
		await emu.close();
	}
}

main().then(
	(ok) => (process.exitCode = ok ? 0 : 1),
	(error) => {
		process.stderr.write(`${error.stack || error}\n`);
		process.exitCode = 1;
	},
);
