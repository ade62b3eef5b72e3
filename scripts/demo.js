#!/usr/bin/env node
'use strict';
/**
 * `npm run demo`: the package end to end on this machine, offline.
 * Starts the bundled Pinterest API emulator and a fresh n8n (installed once into a cache folder),
 * imports a credential pointing at the emulator and a workflow that syncs 5,000 generated users into a
 * new audience, runs it, and prints the node's Metrics item and what the emulator holds.
 *
 *   npm run demo                       # n8n 2.8.4 (Node 20)
 *   N8N_DEMO_VERSION=2.41.1 npm run demo
 *   N8N_DEMO_USERS=20000 npm run demo
 */
const path = require('node:path');

const { createN8nInstance, DEFAULT_N8N_VERSION } = require('./lib/n8n');
const {
	byId,
	demoCredential,
	metricsOf,
	nodeOutput,
	runError,
	SYNC_NODE_NAME,
	syncUsersWorkflow,
} = require('./lib/workflows');

const VERSION = process.env.N8N_DEMO_VERSION || DEFAULT_N8N_VERSION;
const USERS = Number(process.env.N8N_DEMO_USERS || 5000);
const AUDIENCE_NAME = 'n8n demo – high value';

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const step = (text) => process.stdout.write(`[${elapsed().padStart(7)}] ${text}\n`);

function loadEmulator() {
	try {
		return require(path.join(__dirname, '..', 'build', 'emulator'));
	} catch (error) {
		throw new Error(
			`The emulator is not built (${error.message}). Run "npm run demo", which builds first.`,
		);
	}
}

function table(rows) {
	const width = Math.max(...rows.map(([k]) => k.length));
	return rows.map(([k, v]) => `    ${k.padEnd(width)}  ${v}`).join('\n');
}

async function main() {
	const { startEmulator } = loadEmulator();
	step('Starting the Pinterest API emulator...');
	const emu = await startEmulator({});
	step(`Emulator listening on ${emu.url} (API ${emu.apiBaseUrl})`);

	let n8n;
	try {
		n8n = await createN8nInstance({
			version: VERSION,
			onProgress: (line) => step(line.trim()),
		});
		step(`Fresh n8n ${VERSION} in a temporary folder, node loaded from a snapshot of dist/`);

		const credential = demoCredential(emu, {
			id: 'pinDemoCred0001',
			name: 'Pinterest (bundled emulator)',
		});
		await n8n.importCredentials([credential]);
		step(`Imported credential "${credential.name}" (Custom Base URL ${emu.url})`);

		const workflow = syncUsersWorkflow({
			id: 'pinDemoWorkflow',
			name: `Demo: ${USERS.toLocaleString('en-US')} users → "${AUDIENCE_NAME}"`,
			credential,
			usersCode: `return Array.from({ length: ${USERS} }, (_, i) => ({ json: { email: 'customer' + (i + 1) + '@example.com', lifetimeValue: 500 + (i % 1000) } }));`,
			parameters: {
				adAccount: byId(emu.demo.adAccountId),
				audienceMode: 'createNew',
				audienceName: AUDIENCE_NAME,
				options: { flushWindowSeconds: 0 },
			},
		});
		await n8n.importWorkflow(workflow);
		step(`Imported workflow: ${workflow.name}`);

		step('Running it with `n8n execute`...');
		const result = await n8n.execute(workflow.id);
		if (result.exitCode !== 0 || !result.run || result.run.status !== 'success') {
			const error = runError(result.run);
			throw new Error(
				`the workflow failed (exit ${result.exitCode}): ${error ? `${error.message}${error.description ? ` – ${error.description}` : ''}` : result.stdout.slice(-2000) + result.stderr.slice(-2000)}`,
			);
		}
		step(
			`Execution finished in ${(result.durationMs / 1000).toFixed(1)} s (including n8n's start-up)`,
		);

		const users = nodeOutput(result.run, SYNC_NODE_NAME, 0);
		const metrics = metricsOf(result.run, SYNC_NODE_NAME);
		process.stdout.write(
			`\nUsers output: ${users.length.toLocaleString('en-US')} items (every user proceeds to the next step)\n`,
		);
		process.stdout.write(
			`\nMetrics output:\n${JSON.stringify(metrics, null, 2).replace(/^/gm, '    ')}\n`,
		);

		const [audience] = emu.findAudiences(emu.demo.adAccountId, AUDIENCE_NAME);
		const [list] = emu.findCustomerLists(emu.demo.adAccountId, AUDIENCE_NAME);
		const stats = emu.stats();
		process.stdout.write(`\nWhat the emulator (Pinterest) holds:\n`);
		process.stdout.write(
			`${table([
				['ad account', `${emu.demo.adAccountId} (ACME Tools)`],
				[
					'audience',
					audience
						? `${audience.id} "${audience.name}" ${audience.audience_type}, status ${audience.status}`
						: '(none)',
				],
				[
					'customer list',
					list ? `${list.id}, status ${list.status}, ${list.num_batches} batches` : '(none)',
				],
				['uploaded records', list ? list.num_uploaded_user_records.toLocaleString('en-US') : '-'],
				['removed records', list ? list.num_removed_user_records.toLocaleString('en-US') : '-'],
				[
					'records held now',
					list ? emu.listRecords(emu.demo.adAccountId, list.id).size.toLocaleString('en-US') : '-',
				],
				[
					'largest request',
					`${emu.largestRequestRecords().toLocaleString('en-US')} records (limit 1,900)`,
				],
				[
					'max writes per second',
					`${emu.maxWritesInAnyWindow(emu.demo.userId)} in any 1 s window (limit 7)`,
				],
				[
					'API requests',
					`${stats.totalRequests} (by status: ${JSON.stringify(stats.requestsByStatus)})`,
				],
			])}\n`,
		);
		process.stdout.write(
			`\nPinterest receives only SHA-256 hashes of the normalised emails; on real Pinterest the audience size appears after about 100 matches, within 24-48 hours.\n`,
		);
		step('Done.');
	} finally {
		if (n8n) await n8n.cleanup();
		await emu.close();
	}
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stderr.write(`\nDemo failed: ${error && error.message ? error.message : error}\n`);
		process.exit(1);
	},
);
