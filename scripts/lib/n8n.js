'use strict';
/**
 * Drives a real n8n (installed by scripts/install-n8n.sh) from the demo, `npm run dev` and the e2e suite:
 * a fresh user folder per instance, CLI imports/exports/executions, and server mode.
 * One implementation for all three callers; see n8n.d.ts for the types.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const http = require('node:http');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const INSTALL_SCRIPT = path.join(REPO_ROOT, 'scripts', 'install-n8n.sh');
/** The n8n version the demo and `npm run dev` use (runs on Node 20). */
const DEFAULT_N8N_VERSION = '2.8.4';
/** Fixed so that CLI imports, exports and the server of one instance agree. Test data only. */
const TEST_ENCRYPTION_KEY = 'pinterest-audience-sync-e2e-key-0001';

/** Same rule as install-n8n.sh. */
function cacheDir() {
	if (process.env.N8N_E2E_CACHE) return process.env.N8N_E2E_CACHE;
	const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
	return path.join(base, 'n8n-nodes-pinterest-audience-sync');
}

/** Folder of an install of `version`, or null when it is not (completely) installed. */
function installedN8n(version) {
	const dir = path.join(cacheDir(), `n8n-${version}`);
	return fs.existsSync(path.join(dir, '.installed')) ? dir : null;
}

/**
 * Installs n8n `version` if missing (scripts/install-n8n.sh, a few minutes once) and returns its folder.
 * @param {string} version
 * @param {{ onProgress?: (line: string) => void }} [opts] receives the installer's progress lines
 * @returns {Promise<string>}
 */
async function ensureN8n(version, opts = {}) {
	const ready = installedN8n(version);
	if (ready) return ready;
	const onProgress = opts.onProgress || ((line) => process.stderr.write(`${line}\n`));
	onProgress(
		`n8n ${version} is not installed yet: installing it into ${cacheDir()} (4-6 minutes, only once)...`,
	);
	const started = Date.now();
	const heartbeat = setInterval(
		() =>
			onProgress(
				`  still installing n8n ${version}... ${Math.round((Date.now() - started) / 1000)} s`,
			),
		30_000,
	);
	let result;
	try {
		result = await runProcess('bash', [INSTALL_SCRIPT, version], {
			env: process.env,
			onStderrLine: (line) => {
				if (/^(added \d+ packages|npm error|gyp ERR)/i.test(line)) onProgress(`  ${line}`);
			},
			timeoutMs: 30 * 60_000,
		});
	} finally {
		clearInterval(heartbeat);
	}
	const { code, stdout, stderr } = result;
	if (code !== 0) {
		throw new Error(`Installing n8n ${version} failed (exit ${code}):\n${tail(stderr, 40)}`);
	}
	const dir = stdout.trim().split('\n').pop();
	if (!dir || !fs.existsSync(path.join(dir, 'node_modules', '.bin', 'n8n'))) {
		throw new Error(
			`install-n8n.sh ${version} did not print an install folder:\n${tail(stdout + stderr, 20)}`,
		);
	}
	onProgress(`n8n ${version} installed in ${Math.round((Date.now() - started) / 1000)} s.`);
	return dir;
}

/** Ports handed out by this process, so two instances never get the same one. */
const handedOutPorts = new Set();

/** @returns {Promise<number>} a free TCP port on 127.0.0.1 */
async function freePort() {
	for (let attempt = 0; attempt < 50; attempt++) {
		const port = await new Promise((resolve, reject) => {
			const srv = net.createServer();
			srv.unref();
			srv.once('error', reject);
			srv.listen(0, '127.0.0.1', () => {
				const p = srv.address().port;
				srv.close(() => resolve(p));
			});
		});
		if (!handedOutPorts.has(port)) {
			handedOutPorts.add(port);
			return port;
		}
	}
	throw new Error('No free TCP port found');
}

/** Is something listening on 127.0.0.1:port? */
function portInUse(port) {
	return new Promise((resolve) => {
		const socket = net.connect({ port, host: '127.0.0.1' });
		socket.once('connect', () => {
			socket.destroy();
			resolve(true);
		});
		socket.once('error', () => resolve(false));
	});
}

/** Child process groups still running, killed if this process exits first. */
const liveGroups = new Set();
process.on('exit', () => {
	for (const pid of liveGroups) {
		try {
			process.kill(-pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
});

function killGroup(child, signal) {
	if (!child.pid) return;
	try {
		process.kill(-child.pid, signal);
	} catch {
		try {
			child.kill(signal);
		} catch {
			// already gone
		}
	}
}

function splitLines(onLine) {
	let rest = '';
	return {
		push(chunk) {
			if (!onLine) return;
			rest += chunk;
			const lines = rest.split('\n');
			rest = lines.pop();
			for (const l of lines) onLine(l.replace(/\r$/, ''));
		},
		end() {
			if (onLine && rest) onLine(rest);
			rest = '';
		},
	};
}

/**
 * Runs a command in its own process group, collecting stdout and stderr.
 * @returns {Promise<{ code: number, signal: string | null, stdout: string, stderr: string, timedOut: boolean }>}
 */
function runProcess(
	command,
	args,
	{ env, cwd, timeoutMs = 10 * 60_000, onStdoutLine, onStderrLine, stdio } = {},
) {
	return new Promise((resolve, reject) => {
		const child = spawn(command, args, {
			env,
			cwd,
			detached: true,
			stdio: stdio || ['ignore', 'pipe', 'pipe'],
		});
		liveGroups.add(child.pid);
		const out = [];
		const err = [];
		const outLines = splitLines(onStdoutLine);
		const errLines = splitLines(onStderrLine);
		if (child.stdout) {
			child.stdout.setEncoding('utf8');
			child.stdout.on('data', (c) => {
				out.push(c);
				outLines.push(c);
			});
		}
		if (child.stderr) {
			child.stderr.setEncoding('utf8');
			child.stderr.on('data', (c) => {
				err.push(c);
				errLines.push(c);
			});
		}
		let timedOut = false;
		const timer = setTimeout(() => {
			timedOut = true;
			killGroup(child, 'SIGKILL');
		}, timeoutMs);
		child.once('error', (e) => {
			clearTimeout(timer);
			liveGroups.delete(child.pid);
			reject(e);
		});
		child.once('close', (code, signal) => {
			clearTimeout(timer);
			liveGroups.delete(child.pid);
			// The group may still hold a task runner the command started: end it with the command.
			killGroup(child, 'SIGKILL');
			outLines.end();
			errLines.end();
			resolve({
				code: code === null ? -1 : code,
				signal,
				stdout: out.join(''),
				stderr: err.join(''),
				timedOut,
			});
		});
	});
}

function tail(text, lines) {
	return String(text).trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * The run JSON that `n8n execute` prints after its log lines: from the first line that is exactly `{`
 * to the last line that is exactly `}`.
 * @param {string} stdout
 * @returns {any | null}
 */
function parseRunJson(stdout) {
	const lines = stdout.split('\n').map((l) => l.replace(/\r$/, ''));
	const start = lines.indexOf('{');
	if (start < 0) return null;
	let end = lines.length - 1;
	while (end > start && lines[end] !== '}') end--;
	try {
		return JSON.parse(lines.slice(start, end + 1).join('\n'));
	} catch {
		return null;
	}
}

/** `GET url` → { status, body } (no redirects, short timeout). */
function httpGet(url, timeoutMs = 2000) {
	return new Promise((resolve) => {
		const req = http.get(url, { timeout: timeoutMs }, (res) => {
			const chunks = [];
			res.on('data', (c) => chunks.push(c));
			res.on('end', () =>
				resolve({ status: res.statusCode || 0, body: Buffer.concat(chunks).toString('utf8') }),
			);
		});
		req.on('timeout', () => req.destroy());
		req.on('error', () => resolve({ status: 0, body: '' }));
	});
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * A JSON request to a local server (default: 30 s timeout, the global agent's keep-alive connections).
 * @param {{ timeoutMs?: number, agent?: import('node:http').Agent | false }} [opts]
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: any, text: string }>}
 */
function httpJson(method, url, body, headers = {}, { timeoutMs = 30_000, agent } = {}) {
	return new Promise((resolve, reject) => {
		const payload = body === undefined ? undefined : JSON.stringify(body);
		const req = http.request(
			url,
			{
				method,
				headers: {
					accept: 'application/json',
					...(payload
						? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
						: {}),
					...headers,
				},
				timeout: timeoutMs,
				...(agent === undefined ? {} : { agent }),
			},
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => {
					const text = Buffer.concat(chunks).toString('utf8');
					let parsed;
					try {
						parsed = JSON.parse(text);
					} catch {
						parsed = undefined;
					}
					resolve({ status: res.statusCode || 0, headers: res.headers, body: parsed, text });
				});
			},
		);
		req.on('timeout', () => req.destroy(new Error(`${method} ${url} timed out`)));
		req.on('error', reject);
		if (payload) req.write(payload);
		req.end();
	});
}

/** Owner account that `setupOwner()` creates by default (local test instances only). */
const DEFAULT_OWNER = Object.freeze({
	email: 'owner@example.com',
	password: 'Emulator-Demo-1',
	firstName: 'Demo',
	lastName: 'Owner',
});

/** Files that must be in a complete build of the package. */
const BUILD_MARKERS = [
	path.join('nodes', 'PinterestAudienceSync', 'PinterestAudienceSync.node.js'),
	path.join('credentials', 'PinterestOAuth2Api.credentials.js'),
];

/**
 * Copies a build folder (default `<repo>/dist`) to `<target>/dist`, with `<target>/node_modules`
 * linking to the repo's modules (n8n-workflow; the rest is bundled), so that n8n loads a fixed
 * snapshot: a rebuild of `dist/` while n8n runs (e.g. by another test run in the same checkout) cannot break it. Waits up to
 * 2 minutes for a build in progress to finish.
 * @param {string} source
 * @param {string} target
 * @returns {Promise<string>} the snapshot's dist folder
 */
async function snapshotBuild(source, target) {
	const deadline = Date.now() + 120_000;
	const complete = () => BUILD_MARKERS.every((f) => fs.existsSync(path.join(source, f)));
	for (;;) {
		if (complete()) {
			const dest = path.join(target, 'dist');
			await fsp.rm(dest, { recursive: true, force: true });
			try {
				await fsp.cp(source, dest, { recursive: true, filter: (src) => !src.endsWith('.map') });
				if (BUILD_MARKERS.every((f) => fs.existsSync(path.join(dest, f)))) {
					const modules = path.join(target, 'node_modules');
					if (!fs.existsSync(modules))
						await fsp.symlink(path.join(REPO_ROOT, 'node_modules'), modules, 'dir');
					return dest;
				}
			} catch {
				// the build changed under us: try again
			}
		}
		if (Date.now() > deadline) {
			throw new Error(
				`No complete build in ${source} (missing ${BUILD_MARKERS.join(' or ')}): run "npm run build" first.`,
			);
		}
		await sleep(1000);
	}
}

/** Environment variables that must not leak from the caller (jest sets NODE_ENV=test, which n8n reads). */
const DROPPED_ENV =
	/^(N8N_|DB_|NODE_ENV$|NODE_OPTIONS$|NODE_PATH$|JEST_WORKER_ID$|EXECUTIONS_|QUEUE_|WEBHOOK_URL$|GENERIC_TIMEZONE$)/;

/**
 * A fresh n8n: its own temp user folder (SQLite DB inside), fixed encryption key, the package's
 * compiled node loaded as a custom extension, and its own ports.
 * @param {import('./n8n').N8nInstanceOptions} [options]
 * @returns {Promise<import('./n8n').N8nInstance>}
 */
async function createN8nInstance(options = {}) {
	const version = options.version || DEFAULT_N8N_VERSION;
	const installDir =
		options.installDir || (await ensureN8n(version, { onProgress: options.onProgress }));
	const userFolder = await fsp.mkdtemp(path.join(os.tmpdir(), `n8n-e2e-${version}-`));
	const customExtensions =
		options.customExtensions ||
		(options.snapshotBuild === false
			? path.join(REPO_ROOT, 'dist')
			: await snapshotBuild(path.join(REPO_ROOT, 'dist'), path.join(userFolder, 'package')));
	const port = options.port || (await freePort());
	const brokerPort = options.brokerPort || (await freePort());
	const nodeBin = path.join(installDir, 'node-bin');
	const n8nBin = path.join(installDir, 'node_modules', 'n8n', 'bin', 'n8n');

	const env = {};
	for (const [k, v] of Object.entries(process.env))
		if (!DROPPED_ENV.test(k) && v !== undefined) env[k] = v;
	Object.assign(env, {
		PATH: `${nodeBin}${path.delimiter}${process.env.PATH || ''}`,
		N8N_USER_FOLDER: userFolder,
		N8N_ENCRYPTION_KEY: options.encryptionKey || TEST_ENCRYPTION_KEY,
		DB_TYPE: 'sqlite',
		N8N_CUSTOM_EXTENSIONS: customExtensions,
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_PERSONALIZATION_ENABLED: 'false',
		N8N_HIRING_BANNER_ENABLED: 'false',
		N8N_ENFORCE_SETTINGS_FILE_PERMISSIONS: 'true',
		N8N_LOG_LEVEL: 'info',
		N8N_PORT: String(port),
		N8N_LISTEN_ADDRESS: '127.0.0.1',
		N8N_HOST: '127.0.0.1',
		N8N_SECURE_COOKIE: 'false',
		N8N_RUNNERS_BROKER_PORT: String(brokerPort),
		N8N_RUNNERS_BROKER_LISTEN_ADDRESS: '127.0.0.1',
		...(options.env || {}),
	});

	/** @type {import('node:child_process').ChildProcess | null} */
	let server = null;
	let serverExit = null;
	let fileCounter = 0;
	const logPath = path.join(userFolder, 'n8n-server.log');

	/**
	 * Runs `n8n <args>` to completion with this instance's environment. Output goes to files, not pipes:
	 * n8n calls process.exit() right after printing the run JSON, which can cut a piped stdout short.
	 */
	async function cli(args, { timeoutMs = 5 * 60_000 } = {}) {
		const n = ++fileCounter;
		const outFile = path.join(userFolder, `cli-${n}.out`);
		const errFile = path.join(userFolder, `cli-${n}.err`);
		const outFd = fs.openSync(outFile, 'w');
		const errFd = fs.openSync(errFile, 'w');
		let r;
		try {
			r = await runProcess(path.join(nodeBin, 'node'), [n8nBin, ...args], {
				env,
				cwd: userFolder,
				timeoutMs,
				stdio: ['ignore', outFd, errFd],
			});
		} finally {
			fs.closeSync(outFd);
			fs.closeSync(errFd);
		}
		r.stdout = await fsp.readFile(outFile, 'utf8');
		r.stderr = await fsp.readFile(errFile, 'utf8');
		await fsp.rm(outFile, { force: true });
		await fsp.rm(errFile, { force: true });
		return r;
	}

	async function cliOrThrow(what, args) {
		const r = await cli(args);
		if (r.code !== 0) {
			throw new Error(
				`n8n ${what} failed (exit ${r.code}${r.timedOut ? ', timed out' : ''}):\n${tail(r.stdout + r.stderr, 40)}`,
			);
		}
		return r;
	}

	async function writeJson(name, data) {
		const file = path.join(userFolder, `${name}-${++fileCounter}.json`);
		await fsp.writeFile(file, JSON.stringify(data));
		return file;
	}

	const instance = {
		version,
		installDir,
		userFolder,
		env,
		port,
		brokerPort,
		baseUrl: `http://127.0.0.1:${port}`,
		customExtensions,
		logPath,

		cli,

		async importCredentials(credentials) {
			const file = await writeJson('credentials', credentials);
			await cliOrThrow('import:credentials', ['import:credentials', `--input=${file}`]);
		},

		async importWorkflow(workflow) {
			const file = await writeJson('workflow', workflow);
			await cliOrThrow('import:workflow', ['import:workflow', `--input=${file}`]);
		},

		async execute(workflowId, { timeoutMs = 10 * 60_000 } = {}) {
			const started = Date.now();
			const r = await cli(['execute', `--id=${workflowId}`, '--rawOutput'], { timeoutMs });
			return {
				exitCode: r.code,
				run: parseRunJson(r.stdout),
				stdout: r.stdout,
				stderr: r.stderr,
				durationMs: Date.now() - started,
				timedOut: r.timedOut,
			};
		},

		async exportCredential(id) {
			const file = path.join(userFolder, `export-${++fileCounter}.json`);
			await cliOrThrow('export:credentials', [
				'export:credentials',
				`--id=${id}`,
				'--decrypted',
				`--output=${file}`,
			]);
			const data = JSON.parse(await fsp.readFile(file, 'utf8'));
			await fsp.rm(file, { force: true });
			return Array.isArray(data) ? data[0] : data;
		},

		async startServer({ timeoutMs = 120_000, onLogLine } = {}) {
			if (server) return { url: instance.baseUrl };
			if (await portInUse(port))
				throw new Error(`Port ${port} is already in use: cannot start n8n there.`);
			const log = fs.createWriteStream(logPath, { flags: 'a' });
			const child = spawn(path.join(nodeBin, 'node'), [n8nBin, 'start'], {
				env,
				cwd: userFolder,
				detached: true,
				stdio: ['ignore', 'pipe', 'pipe'],
			});
			server = child;
			serverExit = null;
			liveGroups.add(child.pid);
			let editorReady = false;
			const lines = splitLines((line) => {
				if (/Editor is now accessible/.test(line)) editorReady = true;
				if (onLogLine) onLogLine(line);
			});
			for (const stream of [child.stdout, child.stderr]) {
				stream.setEncoding('utf8');
				stream.on('data', (c) => {
					log.write(c);
					lines.push(c);
				});
			}
			child.once('exit', (code, signal) => {
				serverExit = { code, signal };
				liveGroups.delete(child.pid);
				log.end();
			});
			const deadline = Date.now() + timeoutMs;
			while (Date.now() < deadline) {
				if (serverExit) {
					server = null;
					const text = await fsp.readFile(logPath, 'utf8').catch(() => '');
					throw new Error(
						`n8n start exited (code ${serverExit.code}, signal ${serverExit.signal}):\n${tail(text, 40)}`,
					);
				}
				if (editorReady) {
					const health = await httpGet(`${instance.baseUrl}/healthz`);
					if (health.status === 200) return { url: instance.baseUrl };
				}
				await sleep(250);
			}
			await instance.stop();
			const text = await fsp.readFile(logPath, 'utf8').catch(() => '');
			throw new Error(
				`n8n did not become ready on ${instance.baseUrl} within ${timeoutMs} ms:\n${tail(text, 40)}`,
			);
		},

		async setupOwner(owner = DEFAULT_OWNER) {
			const res = await httpJson('POST', `${instance.baseUrl}/rest/owner/setup`, owner);
			if (res.status !== 200)
				throw new Error(`POST /rest/owner/setup answered ${res.status}: ${res.text.slice(0, 500)}`);
			const cookie = (res.headers['set-cookie'] || []).map((c) => c.split(';')[0]).join('; ');
			return { ...owner, cookie };
		},

		serverPid() {
			return server && !serverExit ? server.pid : undefined;
		},

		async stop() {
			const child = server;
			if (!child) return;
			server = null;
			if (!serverExit) {
				const exited = new Promise((resolve) => child.once('exit', () => resolve('exited')));
				killGroup(child, 'SIGTERM');
				let timer;
				const timeout = new Promise((resolve) => {
					timer = setTimeout(() => resolve('timeout'), 20_000);
				});
				const outcome = await Promise.race([exited, timeout]);
				clearTimeout(timer);
				if (outcome === 'timeout') {
					killGroup(child, 'SIGKILL');
					await exited;
				}
			}
			// The task runner lives in the same group.
			killGroup(child, 'SIGKILL');
			liveGroups.delete(child.pid);
		},

		async cleanup() {
			await instance.stop();
			if (process.env.N8N_E2E_KEEP === '1') return;
			await fsp.rm(userFolder, { recursive: true, force: true });
		},
	};
	return instance;
}

module.exports = {
	DEFAULT_N8N_VERSION,
	DEFAULT_OWNER,
	TEST_ENCRYPTION_KEY,
	REPO_ROOT,
	cacheDir,
	installedN8n,
	ensureN8n,
	createN8nInstance,
	freePort,
	httpJson,
	parseRunJson,
	runProcess,
	snapshotBuild,
};
