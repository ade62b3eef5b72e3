#!/usr/bin/env node
'use strict';
/**
 * Real n8n in queue mode with this node: one main process and N workers (default 2) sharing one Redis
 * and one PostgreSQL, a webhook workflow whose executions run on the workers, and the Pinterest API
 * emulator as the judge of the rate limit. Prints what happened and exits non-zero when Pinterest's
 * limit was exceeded or a user was not synced.
 *
 *   npm run build && node scripts/queue-mode.js [--workers 2] [--executions 6] [--users 19000] [--keep]
 *
 * Needs: n8n 2.8.4 (scripts/install-n8n.sh installs it), Debian's redis-server (scripts/redis.sh install)
 * and postgresql packages (`apt-get install -y postgresql`; only the binaries are used: a throw-away
 * cluster is created in a temp folder and removed afterwards). As root, PostgreSQL runs as the
 * `postgres` user the Debian package creates.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { createN8nInstance, freePort, REPO_ROOT } = require('./lib/n8n');
const {
	CREDENTIAL_TYPE,
	CUSTOM_NODE_TYPE,
	demoCredential,
	hashEmail,
} = require('./lib/workflows');

const WRITES_PER_SECOND = 7;
const WEBHOOK_PATH = 'pinterest-queue-mode';

function option(name, fallback) {
	const i = process.argv.indexOf(`--${name}`);
	return i > 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback;
}
const WORKERS = option('workers', 2);
const EXECUTIONS = option('executions', 6);
const USERS = option('users', 19_000);
const LISTS = Math.min(3, EXECUTIONS);
const KEEP = process.argv.includes('--keep');

const log = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups = [];

function run(command, args, opts = {}) {
	const r = spawnSync(command, args, { encoding: 'utf8', ...opts });
	if (r.status !== 0)
		throw new Error(`${command} ${args.join(' ')} failed: ${r.stderr || r.stdout || r.error}`);
	return r.stdout;
}

function which(command) {
	return (
		spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).stdout.trim() || null
	);
}

/** Debian's versioned PostgreSQL binaries folder, e.g. /usr/lib/postgresql/15/bin. */
function postgresBin() {
	const base = '/usr/lib/postgresql';
	const versions = fs.existsSync(base)
		? fs.readdirSync(base).sort((a, b) => Number(b) - Number(a))
		: [];
	for (const v of versions)
		if (fs.existsSync(path.join(base, v, 'bin', 'initdb'))) return path.join(base, v, 'bin');
	throw new Error('PostgreSQL is not installed: apt-get install -y postgresql (Debian package).');
}

function waitForExit(child) {
	return child.exitCode !== null || child.signalCode !== null
		? Promise.resolve()
		: new Promise((resolve) => child.once('exit', resolve));
}

async function waitUntil(what, check, timeoutMs = 120_000) {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		try {
			if (await check()) return;
		} catch {
			// not yet
		}
		if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
		await sleep(250);
	}
}

async function startRedis(scratch) {
	if (!which('redis-server'))
		run('bash', [path.join(REPO_ROOT, 'scripts', 'redis.sh'), 'install'], { stdio: 'inherit' });
	const port = await freePort();
	const child = spawn(
		'redis-server',
		['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
		{
			stdio: ['ignore', fs.openSync(path.join(scratch, 'redis.log'), 'w'), 'inherit'],
		},
	);
	cleanups.push({
		name: 'Redis',
		stop: async () => {
			child.kill('SIGTERM');
			await waitForExit(child);
		},
	});
	await waitUntil(
		'Redis',
		() =>
			spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() ===
			'PONG',
	);
	return { host: '127.0.0.1', port };
}

async function startPostgres(scratch) {
	const bin = postgresBin();
	const asRoot = process.getuid && process.getuid() === 0;
	const dataDir = path.join(scratch, 'pgdata');
	const socketDir = path.join(scratch, 'pgsocket');
	fs.mkdirSync(dataDir, { mode: 0o700 });
	fs.mkdirSync(socketDir);
	// PostgreSQL refuses to run as root: as root, use the `postgres` user of the Debian package.
	const as = (args) =>
		asRoot ? ['runuser', ['-u', 'postgres', '--', ...args]] : [args[0], args.slice(1)];
	if (asRoot) {
		fs.chmodSync(scratch, 0o755);
		run('chown', ['-R', 'postgres:postgres', dataDir, socketDir]);
	}
	run(
		...as([
			path.join(bin, 'initdb'),
			'-D',
			dataDir,
			'-U',
			'postgres',
			'--auth=trust',
			'-E',
			'UTF8',
		]),
	);
	const port = await freePort();
	const [command, args] = as([
		path.join(bin, 'postgres'),
		'-D',
		dataDir,
		'-p',
		String(port),
		'-k',
		socketDir,
		'-c',
		'listen_addresses=127.0.0.1',
		'-c',
		'fsync=off',
	]);
	const child = spawn(command, args, {
		stdio: ['ignore', fs.openSync(path.join(scratch, 'postgres.log'), 'w'), 'inherit'],
	});
	cleanups.push({
		name: 'PostgreSQL',
		stop: async () => {
			// SIGINT = fast shutdown, sent to the postmaster itself (runuser does not pass it on).
			const pidFile = path.join(dataDir, 'postmaster.pid');
			const pid = fs.existsSync(pidFile)
				? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
				: child.pid;
			process.kill(pid, 'SIGINT');
			await waitForExit(child);
		},
	});
	await waitUntil(
		'PostgreSQL',
		() =>
			spawnSync(path.join(bin, 'pg_isready'), [
				'-h',
				'127.0.0.1',
				'-p',
				String(port),
				'-U',
				'postgres',
			]).status === 0,
	);
	run(path.join(bin, 'createdb'), ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'n8n']);
	return { host: '127.0.0.1', port, user: 'postgres', database: 'n8n' };
}

/** Webhook (answers when the execution ends) → Code (users) → Audience Sync → its Metrics output answers. */
function queueModeWorkflow(credential) {
	return {
		id: 'queueModeWf0001',
		name: 'Queue mode: webhook to Pinterest audience',
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: 'qm-webhook',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '6a1d2c3b-4e5f-4a6b-9c8d-0e1f2a3b4c5d',
				parameters: {
					httpMethod: 'POST',
					path: WEBHOOK_PATH,
					responseMode: 'lastNode',
					options: {},
				},
			},
			{
				id: 'qm-users',
				name: 'Users',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: {
					jsCode:
						'const { prefix, count, list } = $input.first().json.body;\nreturn Array.from({ length: count }, (_, i) => ({ json: { email: `${prefix}${i}@example.com`, list } }));',
				},
			},
			{
				id: 'qm-sync',
				name: 'Add to Audience',
				type: CUSTOM_NODE_TYPE,
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					operation: 'syncUsers',
					adAccount: { __rl: true, mode: 'id', value: credential.adAccountId },
					audienceMode: 'createNew',
					audienceName: '={{ $json.list }}',
					action: 'add',
					matchFields: ['email'],
					emailValue: '={{ $json.email }}',
				},
				credentials: { [CREDENTIAL_TYPE]: { id: credential.id, name: credential.name } },
			},
			{
				id: 'qm-metrics',
				name: 'Metrics',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [660, 100],
				parameters: {},
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Users', type: 'main', index: 0 }]] },
			Users: { main: [[{ node: 'Add to Audience', type: 'main', index: 0 }]] },
			'Add to Audience': { main: [[], [{ node: 'Metrics', type: 'main', index: 0 }]] },
		},
	};
}

async function main() {
	const distEmulator = path.join(REPO_ROOT, 'dist', 'emulator', 'index.js');
	if (!fs.existsSync(distEmulator)) throw new Error('dist/ is missing: run `npm run build` first.');
	const { startEmulator } = require(distEmulator);
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pas-queue-mode-'));
	cleanups.push({
		name: 'the scratch folder',
		stop: async () => {
			if (!KEEP) fs.rmSync(scratch, { recursive: true, force: true });
		},
	});

	const redis = await startRedis(scratch);
	log(`Redis       127.0.0.1:${redis.port}`);
	const pg = await startPostgres(scratch);
	log(`PostgreSQL  127.0.0.1:${pg.port} database ${pg.database}`);
	const emu = await startEmulator({ writesPerSecond: WRITES_PER_SECOND, latencyMs: 20 });
	cleanups.push({ name: 'the emulator', stop: () => emu.close() });
	log(`Emulator    ${emu.url} (${WRITES_PER_SECOND} writes/s per Pinterest user)`);

	const queueEnv = {
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: pg.host,
		DB_POSTGRESDB_PORT: String(pg.port),
		DB_POSTGRESDB_DATABASE: pg.database,
		DB_POSTGRESDB_USER: pg.user,
		DB_POSTGRESDB_PASSWORD: '',
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: redis.host,
		QUEUE_BULL_REDIS_PORT: String(redis.port),
		OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
	};
	const n8n = await createN8nInstance({ env: queueEnv, onProgress: log });
	cleanups.push({ name: 'n8n main', stop: () => (KEEP ? n8n.stop() : n8n.cleanup()) });

	const credential = demoCredential(emu, { id: 'queueModeCred01', name: 'Pinterest (emulator)' });
	await n8n.importCredentials([credential]);
	const workflow = queueModeWorkflow({
		id: credential.id,
		name: credential.name,
		adAccountId: emu.demo.adAccountId,
	});
	await n8n.importWorkflow(workflow);
	const published = await n8n.cli(['publish:workflow', `--id=${workflow.id}`]);
	if (published.code !== 0)
		throw new Error(`publish:workflow failed:\n${published.stdout}${published.stderr}`);

	await n8n.startServer();
	log(`n8n main    ${n8n.baseUrl}`);
	const workers = [];
	for (let w = 1; w <= WORKERS; w++) {
		const healthPort = await freePort();
		const logFile = path.join(scratch, `worker-${w}.log`);
		const child = spawn(
			path.join(n8n.installDir, 'node-bin', 'node'),
			[
				path.join(n8n.installDir, 'node_modules', 'n8n', 'bin', 'n8n'),
				'worker',
				'--concurrency=10',
			],
			{
				cwd: n8n.userFolder,
				env: {
					...n8n.env,
					N8N_PORT: String(await freePort()),
					N8N_RUNNERS_BROKER_PORT: String(await freePort()),
					QUEUE_HEALTH_CHECK_ACTIVE: 'true',
					QUEUE_HEALTH_CHECK_PORT: String(healthPort),
					N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
				},
				stdio: ['ignore', fs.openSync(logFile, 'w'), fs.openSync(`${logFile}.err`, 'w')],
			},
		);
		cleanups.push({
			name: `worker ${w}`,
			stop: async () => {
				child.kill('SIGTERM');
				await Promise.race([waitForExit(child), sleep(15_000)]);
				child.kill('SIGKILL');
			},
		});
		await waitUntil(
			`worker ${w}`,
			async () => (await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`)).ok,
		);
		workers.push({ w, logFile });
		log(`n8n worker  ${w} ready (health on 127.0.0.1:${healthPort})`);
	}

	log(
		`\n${EXECUTIONS} webhook executions × ${USERS} users into ${LISTS} new audiences of one Pinterest user...`,
	);
	const requests = Array.from({ length: EXECUTIONS }, (_, i) => ({
		list: `Queue mode list ${(i % LISTS) + 1}`,
		prefix: `qm-e${i + 1}-`,
		count: USERS,
	}));
	const started = Date.now();
	const answers = await Promise.all(
		requests.map(async (body) => {
			const response = await fetch(`${n8n.baseUrl}/webhook/${WEBHOOK_PATH}`, {
				method: 'POST',
				headers: { 'Content-Type': 'application/json' },
				body: JSON.stringify(body),
				signal: AbortSignal.timeout(10 * 60_000),
			});
			const text = await response.text();
			if (!response.ok) throw new Error(`webhook answered ${response.status}: ${text}`);
			return JSON.parse(text);
		}),
	);
	const wallSeconds = (Date.now() - started) / 1000;

	// The emulator's judgement.
	const userId = emu.demo.userId;
	const writes = emu.log.filter((e) => e.category === 'ads_write' && e.userId === userId);
	const accepted = writes.filter((e) => e.status >= 200 && e.status < 300);
	const rejected = writes.filter((e) => e.status === 429).length;
	const most = emu.maxWritesInAnyWindow(userId);
	const first = Math.min(...accepted.map((e) => e.t));
	const last = Math.max(...accepted.map((e) => e.t + e.durationMs));
	const total = EXECUTIONS * USERS;
	const synced = answers.reduce((n, a) => n + (a.usersSynced ?? 0), 0);
	let missing = 0;
	for (let i = 0; i < requests.length; i++) {
		const list = emu.findCustomerLists(emu.demo.adAccountId, requests[i].list)[0];
		const stored = list ? emu.listRecords(emu.demo.adAccountId, list.id) : new Set();
		for (let u = 0; u < USERS; u++)
			if (!stored.has(hashEmail(`${requests[i].prefix}${u}@example.com`))) missing++;
	}
	// Proof that the node used the shared limiter: Bottleneck's Redis state for this Pinterest user.
	const sharedKey = `b_pinterest-audience-sync:writes:${userId}_settings`;
	const shared =
		spawnSync('redis-cli', ['-p', String(redis.port), 'exists', sharedKey], {
			encoding: 'utf8',
		}).stdout.trim() === '1';
	const byWorker = workers.map(({ w, logFile }) => {
		const text = fs.readFileSync(logFile, 'utf8');
		return `worker ${w}: ${(text.match(/started execution/gi) || []).length} executions`;
	});

	log(
		`\nexecutions answered: ${answers.length}, users synced ${synced} of ${total} (${missing} missing in the emulator)`,
	);
	log(`executions per worker: ${byWorker.join(', ')}`);
	log(
		`writes: ${accepted.length} accepted, ${rejected} answered 429 (retried), most in any 1 s: ${most} (limit ${WRITES_PER_SECOND})`,
	);
	log(
		`throughput: ${Math.round(total / ((last - first) / 1000))} users/s between first and last write ` +
			`(${Math.round(total / wallSeconds)} users/s wall, ceiling ${WRITES_PER_SECOND * 1900})`,
	);
	log(
		shared
			? `shared limiter: Bottleneck state ${sharedKey} in Redis`
			: 'shared limiter: NOT used (no Bottleneck state in Redis): is the node built with limiterFactoryFromEnvironment()?',
	);
	const ok = shared && most <= WRITES_PER_SECOND && synced === total && missing === 0;
	log(ok ? '\nOK: one rate limit across all workers, every user synced.' : '\nFAILED: see above.');
	if (KEEP)
		log(`kept: ${scratch} (Redis, PostgreSQL and worker logs), n8n folder ${n8n.userFolder}`);
	return ok;
}

main()
	.then(
		(ok) => (process.exitCode = ok ? 0 : 1),
		(error) => {
			process.stderr.write(`${error.stack || error}\n`);
			process.exitCode = 1;
		},
	)
	.finally(async () => {
		for (const { name, stop } of cleanups.reverse()) {
			const started = Date.now();
			await Promise.race([Promise.resolve().then(stop), sleep(30_000)]).catch(() => undefined);
			if (Date.now() - started > 5000)
				log(`(stopping ${name} took ${Math.round((Date.now() - started) / 1000)} s)`);
		}
	});
