'use strict';
/**
 * Real n8n in queue mode with this package: one main process and N workers sharing one Redis (Debian's
 * redis-server) and one PostgreSQL (a throw-away cluster from Debian's postgresql binaries), the package
 * packed and installed the way Settings → Community Nodes installs it, and the Pinterest API emulator as
 * the judge. Used by `scripts/queue-mode.js` and the queue-mode e2e test; see queueMode.d.ts for the types.
 *
 * As root, PostgreSQL runs as the `postgres` user the Debian package creates (it refuses to run as root).
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { createN8nInstance, freePort, httpJson, REPO_ROOT } = require('./n8n');
const { hashEmail } = require('./workflows');

/** Pinterest's write limit per user (400 a minute, ~7 a second) and the records one write may carry. */
const WRITES_PER_SECOND = 7;
const RECORDS_PER_WRITE = 1900;
/** Users per second one Pinterest user can reach: 7 writes × 1,900 records. */
const CEILING_USERS_PER_SECOND = WRITES_PER_SECOND * RECORDS_PER_WRITE;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits for `promise` at most `ms` (its rejection is ignored); leaves no timer behind. */
async function atMost(ms, promise) {
	let timer;
	try {
		await Promise.race([
			promise.catch(() => undefined),
			new Promise((resolve) => {
				timer = setTimeout(resolve, ms);
			}),
		]);
	} finally {
		clearTimeout(timer);
	}
}

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

/**
 * Redis as n8n's Redis should run: with persistence (AOF, fsync every second) in the scratch folder, so
 * that `restart()` after a `kill()` (SIGKILL, a crash) comes back with its data on the same port.
 */
async function startRedis(scratch, cleanups) {
	if (!which('redis-server'))
		run('bash', [path.join(REPO_ROOT, 'scripts', 'redis.sh'), 'install'], { stdio: 'inherit' });
	const port = await freePort();
	const dir = path.join(scratch, 'redis');
	fs.mkdirSync(dir);
	const log = fs.openSync(path.join(scratch, 'redis.log'), 'a');
	let child;
	const start = async () => {
		child = spawn(
			'redis-server',
			[
				...['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''],
				...['--appendonly', 'yes', '--appendfsync', 'everysec'],
			],
			{ stdio: ['ignore', log, 'inherit'] },
		);
		await waitUntil(
			'Redis',
			() =>
				spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() ===
				'PONG',
		);
	};
	cleanups.push({
		name: 'Redis',
		stop: async () => {
			child.kill('SIGTERM');
			await waitForExit(child);
		},
	});
	await start();
	return {
		host: '127.0.0.1',
		port,
		kill: async () => {
			child.kill('SIGKILL');
			await waitForExit(child);
		},
		restart: start,
	};
}

async function startPostgres(scratch, cleanups) {
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
	const logFd = fs.openSync(path.join(scratch, 'postgres.log'), 'w');
	const child = spawn(command, args, { stdio: ['ignore', logFd, logFd] });
	cleanups.push({
		name: 'PostgreSQL',
		stop: async () => {
			// SIGINT = fast shutdown, sent to the postmaster itself (runuser does not pass it on).
			const pidFile = path.join(dataDir, 'postmaster.pid');
			const pid = fs.existsSync(pidFile)
				? Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0])
				: child.pid;
			try {
				process.kill(pid, 'SIGINT');
			} catch {
				// already gone
			}
			await waitForExit(child);
		},
	});
	const client = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
	await waitUntil('PostgreSQL', () => spawnSync(path.join(bin, 'pg_isready'), client).status === 0);
	run(path.join(bin, 'createdb'), [...client, 'n8n']);
	return {
		host: '127.0.0.1',
		port,
		user: 'postgres',
		database: 'n8n',
		/** Runs one SQL statement, returns its rows as arrays of strings. */
		query: (sql) =>
			run(path.join(bin, 'psql'), [...client, '-d', 'n8n', '-AtF', '\t', '-c', sql])
				.split('\n')
				.filter(Boolean)
				.map((line) => line.split('\t')),
	};
}

/** The environment of npm without what an outer `npm run` sets for its own scripts. */
function npmEnv() {
	const env = {};
	for (const [k, v] of Object.entries(process.env))
		if (!/^npm_/i.test(k) && v !== undefined) env[k] = v;
	return env;
}

/**
 * Installs the package the way n8n's Settings → Community Nodes does: `npm pack` of this checkout
 * (needs a build), unpacked into `<n8nFolder>/nodes/node_modules/<name>`, its dev, peer and optional
 * dependencies dropped, then `npm install --ignore-scripts --install-strategy=shallow
 * --package-lock=false` in that folder.
 * @returns {Promise<string>} the installed package folder
 */
async function installPackedPackage(n8nFolder, scratch) {
	const packDir = fs.mkdtempSync(path.join(scratch, 'pack-'));
	const packed = JSON.parse(
		run('npm', ['pack', '--json', '--pack-destination', packDir], {
			cwd: REPO_ROOT,
			env: npmEnv(),
		}),
	)[0];
	const nodesDir = path.join(n8nFolder, 'nodes');
	const target = path.join(nodesDir, 'node_modules', packed.name);
	fs.mkdirSync(target, { recursive: true });
	run('tar', ['-xzf', path.join(packDir, packed.filename), '-C', target, '--strip-components=1']);
	const manifestFile = path.join(target, 'package.json');
	const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
	delete manifest.devDependencies;
	delete manifest.peerDependencies;
	delete manifest.optionalDependencies;
	fs.writeFileSync(manifestFile, JSON.stringify(manifest, null, 2));
	run(
		'npm',
		[
			'install',
			'--ignore-scripts',
			'--install-strategy=shallow',
			'--package-lock=false',
			'--no-audit',
			'--no-fund',
		],
		{ cwd: target, env: npmEnv() },
	);
	// The folder's own manifest, as n8n keeps it for its installed packages.
	fs.writeFileSync(
		path.join(nodesDir, 'package.json'),
		JSON.stringify(
			{
				name: 'installed-nodes',
				private: true,
				dependencies: { [packed.name]: manifest.version },
			},
			null,
			2,
		),
	);
	return target;
}

/**
 * Starts Redis, PostgreSQL, n8n main (with the credentials and published workflows) and the workers.
 * Everything started is stopped by `stop()`, also when starting fails half-way.
 * @param {import('./queueMode').QueueModeOptions} o
 * @returns {Promise<import('./queueMode').QueueModeStack>}
 */
async function startQueueMode(o) {
	const log = o.onProgress || (() => undefined);
	const cleanups = [];
	const keep = process.env.N8N_E2E_KEEP === '1';
	const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'pas-queue-mode-'));
	cleanups.push({
		name: 'the scratch folder',
		stop: async () => {
			if (!keep) fs.rmSync(scratch, { recursive: true, force: true });
		},
	});
	const stop = async () => {
		for (const { name, stop: stopOne } of cleanups.splice(0).reverse()) {
			const started = Date.now();
			await atMost(30_000, Promise.resolve().then(stopOne));
			if (Date.now() - started > 5000)
				log(`(stopping ${name} took ${Math.round((Date.now() - started) / 1000)} s)`);
		}
		if (keep) log(`kept: ${scratch}`);
	};
	try {
		const redis = await startRedis(scratch, cleanups);
		log(`Redis       127.0.0.1:${redis.port}`);
		const postgres = await startPostgres(scratch, cleanups);
		log(`PostgreSQL  127.0.0.1:${postgres.port} database ${postgres.database}`);

		const noCustomNodes = fs.mkdtempSync(path.join(scratch, 'no-custom-nodes-'));
		const n8n = await createN8nInstance({
			version: o.version,
			customExtensions: noCustomNodes,
			onProgress: log,
			env: {
				DB_TYPE: 'postgresdb',
				DB_POSTGRESDB_HOST: postgres.host,
				DB_POSTGRESDB_PORT: String(postgres.port),
				DB_POSTGRESDB_DATABASE: postgres.database,
				DB_POSTGRESDB_USER: postgres.user,
				DB_POSTGRESDB_PASSWORD: '',
				EXECUTIONS_MODE: 'queue',
				QUEUE_BULL_REDIS_HOST: redis.host,
				QUEUE_BULL_REDIS_PORT: String(redis.port),
				OFFLOAD_MANUAL_EXECUTIONS_TO_WORKERS: 'true',
				...(o.env || {}),
			},
		});
		cleanups.push({ name: 'n8n main', stop: () => (keep ? n8n.stop() : n8n.cleanup()) });
		const packageDir = await installPackedPackage(path.join(n8n.userFolder, '.n8n'), scratch);
		log(`package     packed and installed in ${path.relative(n8n.userFolder, packageDir)}`);

		await n8n.importCredentials(o.credentials);
		for (const workflow of o.workflows) {
			await n8n.importWorkflow(workflow);
			const published = await n8n.cli(['publish:workflow', `--id=${workflow.id}`]);
			if (published.code !== 0)
				throw new Error(`publish:workflow failed:\n${published.stdout}${published.stderr}`);
		}
		await n8n.startServer();
		log(`n8n main    ${n8n.baseUrl}`);

		const workers = [];
		for (let w = 1; w <= (o.workers ?? 2); w++) {
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
					detached: true,
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
			const signalGroup = (signal) => {
				try {
					process.kill(-child.pid, signal);
				} catch {
					// already gone
				}
			};
			cleanups.push({
				name: `worker ${w}`,
				stop: async () => {
					signalGroup('SIGTERM');
					await atMost(15_000, waitForExit(child));
					// The worker's task runner lives in its process group.
					signalGroup('SIGKILL');
				},
			});
			await waitUntil(`worker ${w}`, async () => {
				if (child.exitCode !== null)
					throw new Error(
						`worker ${w} exited (${child.exitCode}): ${fs.readFileSync(`${logFile}.err`, 'utf8').slice(-2000)}`,
					);
				return (await fetch(`http://127.0.0.1:${healthPort}/healthz/readiness`)).ok;
			}).catch((error) => {
				throw new Error(
					`${error.message}\n${fs.readFileSync(logFile, 'utf8').slice(-3000)}${fs.readFileSync(`${logFile}.err`, 'utf8').slice(-2000)}`,
				);
			});
			workers.push({ index: w, logFile, kill: () => signalGroup('SIGKILL') });
			log(`n8n worker  ${w} ready (health on 127.0.0.1:${healthPort})`);
		}
		return { scratch, redis, postgres, n8n, packageDir, workers, stop };
	} catch (error) {
		await stop();
		throw error;
	}
}

/** Most of `times` (sorted ms) that fall in any window of `windowMs`. */
function mostInAnyWindow(times, windowMs = 1000) {
	let best = 0;
	let i = 0;
	for (let j = 0; j < times.length; j++) {
		while (times[j] - times[i] >= windowMs) i++;
		best = Math.max(best, j - i + 1);
	}
	return best;
}

/**
 * The rate the limiter sustained, as a fraction of Pinterest's 7 writes a second: the accepted writes
 * (the users' writes and the creates alike: Pinterest counts both) from the first to the one 7·k
 * places later, over the time between their arrivals. A perfect limiter starts write n + 7 one window
 * (1,015 ms) after write n, so it scores 1,000/1,015 = 0.985 whatever the shape; with 1,900 users in
 * every write this is the users per second against 13,300. Unlike the end-to-end ratio, the round trips
 * before the first write and the last answer's latency (which no limiter can spare) stay out.
 * `writes`: accepted writes, sorted by arrival.
 * @param {{ t: number }[]} writes
 */
function sustainedRatio(writes) {
	const span = Math.floor((writes.length - 1) / WRITES_PER_SECOND) * WRITES_PER_SECOND;
	if (span < WRITES_PER_SECOND) return undefined;
	return span / ((writes[span].t - writes[0].t) / 1000) / WRITES_PER_SECOND;
}

/**
 * How soon writes were back at full rate after `since` (ms, the emulator's clock): from `since` to the
 * 7th write of the first second after it holding 7 (undefined: never); and the writes per second from 3 s
 * after `since` to the last write. `arrivals`: sorted write arrivals.
 */
function recovery(arrivals, since) {
	const after = arrivals.filter((t) => t >= since);
	let backAfterMs;
	for (let i = 0; i + WRITES_PER_SECOND - 1 < after.length; i++) {
		// 7 starts take at most one window (1,015 ms); a little more for arrival jitter.
		if (after[i + WRITES_PER_SECOND - 1] - after[i] < 1100) {
			backAfterMs = after[i + WRITES_PER_SECOND - 1] - since;
			break;
		}
	}
	const late = after.filter((t) => t >= since + 3000);
	// Fewer writes than two windows' worth say nothing about a rate.
	const perSecondAfter3s =
		late.length > 2 * WRITES_PER_SECOND
			? ((late.length - 1) * 1000) / (late[late.length - 1] - late[0])
			: undefined;
	return {
		firstAfterMs: after.length ? after[0] - since : undefined,
		backAfterMs,
		perSecondAfter3s,
	};
}

/**
 * Calls the webhook; a caller that retries (`retries` > 0) calls again after a non-2xx answer or none.
 * @returns {Promise<{ status: number, body: any, tries: number[] }>}
 */
async function callWebhook(url, body, timeoutMs, retries) {
	const tries = [];
	for (;;) {
		const answer = await postJson(url, body, timeoutMs);
		tries.push(answer.status);
		if ((answer.status >= 200 && answer.status < 300) || tries.length > retries)
			return { ...answer, tries };
	}
}

/**
 * POSTs JSON on a connection of its own (no keep-alive: a connection the server closes while idle
 * would fail the next call) and resolves with the answer; status 0 when none came.
 * @returns {Promise<{ status: number, body: any }>}
 */
async function postJson(url, body, timeoutMs) {
	try {
		const res = await httpJson('POST', url, body, {}, { timeoutMs, agent: false });
		return { status: res.status, body: res.body ?? res.text };
	} catch (error) {
		return { status: 0, body: String(error) };
	}
}

/**
 * One scenario: `executions` webhook calls at once, execution i syncing `usersPerExecution` users
 * `<prefix>e<i>-<n>@example.com` into the new audience `names[i % names.length]`; optionally the access
 * tokens of the Pinterest user expire once `expireAfterWrites` writes have reached the emulator, at the
 * first moment after that with 2 or more writes in flight.
 * @param {import('./queueMode').ScenarioOptions} o
 * @returns {Promise<import('./queueMode').ScenarioResult>}
 */
async function runScenario(o) {
	const { emu, stack } = o;
	const userId = emu.demo.userId;
	const adAccountId = emu.demo.adAccountId;
	const calls = Array.from({ length: o.executions }, (_, i) => ({
		list: o.names[i % o.names.length],
		prefix: `${o.prefix}e${i + 1}-`,
		count: o.usersPerExecution,
	}));
	const writesOf = () => emu.log.filter((e) => e.category === 'ads_write' && e.userId === userId);

	let expiry;
	let watcher;
	if (o.expireAfterWrites !== undefined) {
		// Expire while writes are in flight (so that they come back 401, racing the next writes to a
		// refresh), at the latest 2 s after the writes reached the count.
		let reachedAt;
		watcher = setInterval(() => {
			const writes = writesOf();
			if (writes.length < o.expireAfterWrites) return;
			reachedAt ??= Date.now();
			const inFlight = writes.filter((e) => e.status === 0).length;
			if (inFlight < 2 && Date.now() - reachedAt < 2000) return;
			clearInterval(watcher);
			emu.expireAccessTokens(userId);
			expiry = { afterWrites: writes.length, writesInFlight: inFlight };
		}, 1);
	}

	// A disruption (a worker killed, Redis restarted) once enough writes have reached the emulator.
	let disruption;
	let disrupted = Promise.resolve();
	const disrupter =
		o.disrupt &&
		setInterval(() => {
			const writes = writesOf().length;
			if (writes < o.disrupt.afterWrites) return;
			clearInterval(disrupter);
			const at = performance.timeOrigin + performance.now();
			disrupted = Promise.resolve(o.disrupt.action()).then((more) => {
				disruption = { afterWrites: writes, at, ...more };
			});
		}, 5);

	// Other workflows called beside the syncs (e.g. Create Actalike) once enough writes have arrived.
	let besideCalls = Promise.resolve([]);
	const besider =
		o.beside &&
		setInterval(() => {
			if (writesOf().length < o.beside.afterWrites) return;
			clearInterval(besider);
			besideCalls = Promise.all(
				o.beside.bodies.map((body) =>
					callWebhook(
						`${stack.n8n.baseUrl}/webhook/${o.beside.webhookPath}`,
						body,
						o.timeoutMs ?? 5 * 60_000,
						0,
					),
				),
			);
		}, 5);

	const executionsBefore = executionsPerWorker(stack);
	const started = Date.now();
	let answers;
	try {
		answers = await Promise.all(
			calls.map((body) =>
				callWebhook(
					`${stack.n8n.baseUrl}/webhook/${o.webhookPath}`,
					body,
					o.timeoutMs ?? 5 * 60_000,
					o.retries ?? 0,
				),
			),
		);
	} finally {
		if (watcher) clearInterval(watcher);
		if (disrupter) clearInterval(disrupter);
		if (besider) clearInterval(besider);
	}
	await disrupted;
	const besideAnswers = await besideCalls;
	const wallSeconds = (Date.now() - started) / 1000;

	// Let the main process finish writing the executions' outcome.
	const statuses = () =>
		stack.postgres.query(
			`select status from execution_entity where "workflowId" = '${o.workflowId}' and status not in ('new', 'running')`,
		);
	await waitUntil(
		'the executions to be saved',
		() => statuses().filter(([st]) => st === 'success').length >= o.executions,
		30_000,
	).catch(() => undefined);
	const executionStatuses = statuses().map(([status]) => status);
	const executionsAfter = executionsPerWorker(stack);

	const perName = {};
	let missingUsers = 0;
	for (const name of o.names) {
		const audiences = emu.findAudiences(adAccountId, name);
		perName[name] = {
			audiences: audiences.length,
			customerLists: emu.findCustomerLists(adAccountId, name).length,
		};
		// A user is in an audience when the customer list the audience is built on holds them.
		const stored = new Set();
		for (const audience of audiences) {
			const listId = audience.rule.customer_list_id;
			if (typeof listId !== 'string') continue;
			for (const r of emu.listRecords(adAccountId, listId)) stored.add(r);
		}
		for (const call of calls.filter((c) => c.list === name))
			for (let u = 0; u < call.count; u++)
				if (!stored.has(hashEmail(`${call.prefix}${u}@example.com`))) missingUsers++;
	}

	const writes = writesOf();
	// What Pinterest counts against the limit: every write that passed authentication, refused or not.
	const counted = writes.filter((e) => e.status !== 401).map((e) => e.t);
	const accepted = writes.filter((e) => e.status >= 200 && e.status < 300);
	const firstStart = Math.min(...accepted.map((e) => e.t));
	const lastEnd = Math.max(...accepted.map((e) => e.t + e.durationMs));
	const users = o.executions * o.usersPerExecution;
	const usersPerSecond = users / ((lastEnd - firstStart) / 1000);
	const apiRequests = emu.log.filter((e) => e.category !== 'admin');

	// From when the disruption ended (Redis back) or happened (a worker killed).
	const since = disruption && (disruption.backAt ?? disruption.at);
	return {
		answers,
		besideAnswers,
		disruption: disruption && {
			...disruption,
			...recovery(
				[...counted].sort((a, b) => a - b),
				since,
			),
		},
		executionStatuses,
		executionsPerWorker: executionsAfter.map((n, w) => n - executionsBefore[w]),
		perName,
		users,
		missingUsers,
		writes: {
			total: writes.length,
			accepted: accepted.length,
			mostInAnySecond: mostInAnyWindow(counted),
			unauthorized: writes.filter((e) => e.status === 401).length,
		},
		writeTimeline: writes.map((e) => ({
			atMs: Math.round(e.t - writes[0].t),
			ms: Math.round(e.durationMs),
			status: e.status,
			records: e.recordCount,
		})),
		tooManyRequests: apiRequests.filter((e) => e.status === 429).length,
		tokenRequests: emu.log.filter((e) => e.path === '/v5/oauth/token').length,
		expiry,
		usersPerSecond,
		ceilingFraction: usersPerSecond / CEILING_USERS_PER_SECOND,
		sustainedFraction: sustainedRatio([...accepted].sort((a, b) => a.t - b.t)),
		wallSeconds,
	};
}

/**
 * What a marketer expects from a scenario, as the list of expectations it missed (empty: all met): every
 * execution answered 200 and was saved as succeeded, every worker ran some of them, one audience and one customer list per name, every
 * user in the audience its execution named, at most 7 writes in any second, no 429, and
 * `tokenRequests` token requests (0 without an expiry, 1 for one expiry).
 * @param {import('./queueMode').ScenarioResult} r
 * @param {{ executions: number, tokenRequests: number }} expected
 * @returns {string[]}
 */
function unmetExpectations(r, expected) {
	const unmet = [];
	const failedAnswers = r.answers.filter((a) => a.status !== 200);
	if (failedAnswers.length > 0)
		unmet.push(
			`${failedAnswers.length} webhook call(s) did not answer 200: ${failedAnswers.map((a) => `${a.status} ${JSON.stringify(a.body).slice(0, 200)}`).join('; ')}`,
		);
	// A retried call (its first execution failed) adds executions: every call must end in one success.
	const succeeded = r.executionStatuses.filter((s) => s === 'success').length;
	if (succeeded !== expected.executions)
		unmet.push(
			`${succeeded} of ${expected.executions} executions saved as succeeded (statuses: ${r.executionStatuses.join(', ') || 'none'})`,
		);
	const idle = r.executionsPerWorker.filter((n) => n === 0).length;
	if (idle > 0)
		unmet.push(
			`${idle} of ${r.executionsPerWorker.length} workers ran none of the executions (per worker: ${r.executionsPerWorker.join(', ')})`,
		);
	for (const [name, n] of Object.entries(r.perName))
		if (n.audiences !== 1 || n.customerLists !== 1)
			unmet.push(
				`"${name}": ${n.audiences} audiences and ${n.customerLists} customer lists, not 1 and 1`,
			);
	if (r.missingUsers > 0)
		unmet.push(
			`${r.missingUsers} of ${r.users} users are not in the audience their execution named`,
		);
	if (r.writes.mostInAnySecond > WRITES_PER_SECOND)
		unmet.push(`${r.writes.mostInAnySecond} writes in one second (limit ${WRITES_PER_SECOND})`);
	if (r.tooManyRequests > 0) unmet.push(`${r.tooManyRequests} requests answered 429`);
	if (r.tokenRequests !== expected.tokenRequests)
		unmet.push(`${r.tokenRequests} token requests, not ${expected.tokenRequests}`);
	return unmet;
}

/** Executions each worker started, from its log. */
function executionsPerWorker(stack) {
	return stack.workers.map(
		({ logFile }) => (fs.readFileSync(logFile, 'utf8').match(/started execution/gi) || []).length,
	);
}

/** Longest time between two consecutive write arrivals, ms. */
function longestPause(timeline) {
	let longest = 0;
	for (let i = 1; i < timeline.length; i++)
		longest = Math.max(longest, timeline[i].atMs - timeline[i - 1].atMs);
	return longest;
}

/** One line per figure, for logs and the benchmark notes. */
function describeScenario(r) {
	const names = Object.entries(r.perName)
		.map(([name, n]) => `"${name}" ${n.audiences} audience(s) / ${n.customerLists} list(s)`)
		.join(', ');
	const ok = r.answers.filter((a) => a.status === 200).length;
	return [
		`executions: ${ok} of ${r.answers.length} answered 200; saved statuses: ${r.executionStatuses.join(', ') || 'none'}; per worker: ${r.executionsPerWorker.join(', ')}`,
		`per name: ${names}`,
		`users: ${r.users - r.missingUsers} of ${r.users} in the audience their execution named (${r.missingUsers} missing)`,
		`writes: ${r.writes.total} (${r.writes.accepted} accepted, ${r.writes.unauthorized} answered 401), most in any second: ${r.writes.mostInAnySecond} (limit ${WRITES_PER_SECOND}); 429 answers: ${r.tooManyRequests}`,
		`token requests: ${r.tokenRequests}${r.expiry ? ` (access token expired after write ${r.expiry.afterWrites}, ${r.expiry.writesInFlight} in flight)` : ''}`,
		`longest pause between two writes: ${longestPause(r.writeTimeline)} ms`,
		...(r.disruption
			? [
					`disruption after write ${r.disruption.afterWrites}: first write ${r.disruption.firstAfterMs?.toFixed(0)} ms and back at 7 writes a second ${r.disruption.backAfterMs?.toFixed(0) ?? 'never'} ms after ${r.disruption.backAt ? 'Redis was back' : 'it'}; ${r.disruption.perSecondAfter3s?.toFixed(2)} writes/s from 3 s after; calls retried: ${r.answers.filter((a) => a.tries.length > 1).length} (first answers ${r.answers.map((a) => a.tries[0]).join(', ')})`,
				]
			: []),
		`throughput: ${Math.round(r.usersPerSecond)} users/s between the first and the last write = ${r.ceilingFraction.toFixed(2)} of the ${CEILING_USERS_PER_SECOND} users/s ceiling (wall ${r.wallSeconds.toFixed(1)} s); writes sustained over whole windows of 7: ${r.sustainedFraction?.toFixed(3)}`,
	];
}

/** The queue-mode section of benchmarks/RESULTS.md lies between these lines; `npm run bench` keeps it. */
/** The markers around the section of one n8n version in RESULTS.md. */
const sectionStart = (version) =>
	`<!-- queue-mode ${version}: written by the queue-mode e2e test -->`;
const sectionEnd = (version) => `<!-- /queue-mode ${version} -->`;

const thousands = (n) => Math.round(n).toLocaleString('en-US');

/**
 * The RESULTS.md section for a run of the queue-mode e2e test.
 * @param {import('./queueMode').ResultsRun} run
 * @returns {string}
 */
function resultsSection(run) {
	const rows = run.scenarios.map(({ title, result: r }) => {
		const perName = Object.values(r.perName)
			.map((n) => `${n.audiences} / ${n.customerLists}`)
			.join(', ');
		const succeeded = r.executionStatuses.filter((st) => st === 'success').length;
		const d = r.disruption;
		const after = d
			? `first write ${thousands(d.firstAfterMs ?? NaN)} ms, 7/s again ${d.backAfterMs === undefined ? 'never' : `${thousands(d.backAfterMs)} ms`} after ${d.backAt ? 'Redis was back' : 'the kill'}; ${r.answers.filter((a) => a.tries.length > 1).length} calls retried`
			: '';
		return `| ${title} | ${succeeded} of ${r.answers.length} (${r.executionsPerWorker.join(' + ')}) | ${perName} | ${thousands(r.users - r.missingUsers)} of ${thousands(r.users)} | ${r.writes.mostInAnySecond} | ${thousands(longestPause(r.writeTimeline))} ms | ${r.tooManyRequests} | ${r.tokenRequests} | ${thousands(r.usersPerSecond)} | ${(100 * r.ceilingFraction).toFixed(1)} % | ${r.sustainedFraction === undefined ? '–' : `${(100 * r.sustainedFraction).toFixed(1)} %`} | ${after} |`;
	});
	return [
		sectionStart(run.version),
		`## Queue mode in real n8n ${run.version}`,
		'',
		`Written by the queue-mode e2e test (\`QUEUE_MODE_RESULTS=benchmarks/RESULTS.md npm run test:queue-mode-n8n\`, test/e2e/queueMode.test.ts) on ${run.date}, load average ${run.loadAverage.map((l) => l.toFixed(2)).join(' / ')} at the start.`,
		'',
		`- n8n ${run.version} in queue mode: a main process and ${run.workers} workers (\`n8n worker --concurrency=10\`) sharing Debian's redis-server and a PostgreSQL ${run.postgresVersion} cluster; the packed package installed the way Settings → Community Nodes installs it.`,
		`- Workflow: Webhook → Code making ${thousands(run.usersPerExecution)} users → Sync Users into a new audience named \`{{ $json.list }}\`. ${run.executions} webhook calls at once into ${run.names} names, one Pinterest user, emulator at ${run.latencyMs} ms latency and 7 writes/s per user. The expiry run expires the access token once ${run.expireAfterWrites} writes have reached the emulator, at a moment with 2 or more writes in flight. Redis runs with persistence (AOF, fsync every second); the Redis run SIGKILLs it once 8 writes have arrived (no execution can be on its last write yet) and starts it again 3 s later; once 20 writes have arrived, the Actalike run calls a second workflow (Webhook → Create Actalike from the account's READY audience, same credential) 3 times at once; the killed-worker run SIGKILLs the last worker then, and its callers call again after a non-2xx answer (at most twice).`,
		"- Writes in a second: writes that passed authentication (accepted or answered 429) in any 1,000 ms window, from the emulator's request log. Throughput: users ÷ (first accepted write arriving → last accepted write answered), against the ceiling of 7 × 1,900 = 13,300 users/s; it includes the creates of the audiences and lists before the users' writes and the last answer's latency. Sustained: the accepted writes (creates included) over whole windows of 7, from the first to the write 7·k places later by arrival, against 7 a second (with 1,900 users a write, the same as against 13,300 users/s); a perfect limiter scores 1,000/1,015 = 98.5 % there.",
		'',
		'| run | executions succeeded (per worker) | audiences / lists per name | users in the audience their execution named | most writes in any second | longest pause between writes | 429s | token requests | users/s | vs 13,300/s | sustained | after the disruption |',
		'|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
		...rows,
		sectionEnd(run.version),
	].join('\n');
}

/**
 * The queue-mode section of n8n `version` in a RESULTS.md text, or '' when it has none; without a
 * version, every version's section, in order.
 */
function extractResultsSection(text, version) {
	if (version === undefined) {
		const versions = [...text.matchAll(/<!-- queue-mode (\S+): written/g)].map((m) => m[1]);
		return versions.map((v) => extractResultsSection(text, v)).join('\n\n');
	}
	const start = text.indexOf(sectionStart(version));
	const end = text.indexOf(sectionEnd(version));
	return start >= 0 && end > start ? text.slice(start, end + sectionEnd(version).length) : '';
}

/** Replaces the queue-mode section of n8n `version` in `file` (appends it when missing), keeping the rest. */
function writeResultsSection(file, section, version) {
	const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
	const old = extractResultsSection(text, version);
	const next = old
		? text.replace(old, section)
		: `${text.replace(/\n*$/, '')}${text ? '\n\n' : ''}${section}\n`;
	fs.writeFileSync(file, next);
}

/** `postgres --version` of the binaries used, e.g. "15.18". */
function postgresVersion() {
	const out = run(path.join(postgresBin(), 'postgres'), ['--version']);
	return (out.match(/(\d+(\.\d+)*)/) || ['', 'unknown'])[1];
}

module.exports = {
	WRITES_PER_SECOND,
	CEILING_USERS_PER_SECOND,
	installPackedPackage,
	startQueueMode,
	runScenario,
	executionsPerWorker,
	describeScenario,
	unmetExpectations,
	mostInAnyWindow,
	sustainedRatio,
	recovery,
	resultsSection,
	extractResultsSection,
	writeResultsSection,
	postgresVersion,
};
