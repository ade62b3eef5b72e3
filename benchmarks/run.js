#!/usr/bin/env node
'use strict';
/**
 * `npm run bench` (after `npm run build`): throughput, coalescing and cost of the Pinterest Audience Sync
 * node against the Pinterest API emulator running in a separate process with a fixed latency, side by
 * side with the do-it-yourself n8n workflow (Loop Over Items → Code → HTTP Request) in real n8n 2.8.4.
 * Writes benchmarks/RESULTS.md. All traffic goes to 127.0.0.1. Stops by itself (watchdog).
 *
 *   node benchmarks/run.js [--latencies=50,150,500] [--only=nodeSide,bulk,streaming,perItemTargets,n8n,live,shapes,mirror]
 *     [--live-versions=2.8.4,2.40.7] [--live-rates=100,1000]
 *                          [--quick] [--no-n8n] [--out=benchmarks/RESULTS.md] [--json=<file>]
 *
 * With --only, the sections measured replace theirs in an existing RESULTS.md and the others stay, e.g.
 * `npm run bench -- --only=shapes` measures the workflow shapes in real n8n 2.8.4 at 150 ms alone.
 * `--only=queueMode` (never part of a full run; needs redis-server) runs worker processes on one Redis
 * (benchmarks/lib/queueMode.js) and replaces its own section; `--queue-mode-repeat=N` runs its rows N times.
 * `--only=largeLists` (never part of a full run: ~20 minutes) syncs 1,000,000 users in a running n8n 2.8.4
 * at 150 ms, each way of building it in a fresh n8n (benchmarks/lib/largeLists.js); `--large-list-rows=0,2`
 * picks some of its rows.
 *
 * Our node runs in-process through its execute path (benchmarks/worker.js, one fresh process per
 * scenario); the n8n comparison runs both workflows with `n8n execute` (scripts/lib/n8n.js), and both
 * webhook flows in a live `n8n start` with a webhook call per user (benchmarks/lib/liveStreaming.js).
 * `--only=mirror` runs the Mirror benchmark alone (at the first latency) and replaces only its section of
 * the results file.
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { emulatorJson, lastLogSeq, logSince } = require('./lib/emulatorAdmin');
const { LiveStreamingBench } = require('./lib/liveStreaming');
const { runShapes } = require('./lib/shapes');
const { runLargeLists, ROWS: LARGE_LIST_ROWS } = require('./lib/largeLists');
const { runQueueMode, queueModeSection } = require('./lib/queueMode');
const { hashEmail } = require('../scripts/lib/workflows');
const { extractResultsSection } = require('../scripts/lib/queueMode');

const REPO_ROOT = path.resolve(__dirname, '..');
/** The repository's compiled tree (emulator, engine modules); dist/ holds only the bundled package. */
const BUILD = path.join(REPO_ROOT, 'build');
const CEILING = 7 * 1900;
/** Users per second sent to the live n8n's webhooks, one user per call. */
/** The live webhook streams: at 150 ms latency, 100 and 1,000 calls a second, on both n8n versions. */
const LIVE_RATES = [10, 100, 1000];
/** The do-it-yourself flow streams at this rate only: faster, it would only be refused faster. */
const LIVE_DIY_RATE = 100;
/** At this rate and above a stream lasts half as long (n8n alone takes minutes to answer 5,000 calls). */
const LIVE_SHORT_RATE = 1000;
const LIVE_VERSIONS = ['2.8.4', '2.40.7'];
const LIVE_LATENCY = 150;
const LIVE_FLOWS = {
	n8nAlone: 'n8n alone (Webhook → No Operation)',
	ours: 'ours',
	diy: 'do-it-yourself',
};
const WATCHDOG_MS = 45 * 60_000;
/** The workflow shapes run at this latency only (when the run includes it, or runs the shapes alone). */
const SHAPES_LATENCY = 150;

function parseArgs(argv) {
	const args = {
		latencies: [50, 150, 500],
		only: null,
		quick: false,
		n8n: true,
		largeShapes: true,
		out: path.join(__dirname, 'RESULTS.md'),
	};
	for (const arg of argv) {
		const [flag, value] = arg.split('=');
		if (flag === '--latencies') args.latencies = value.split(',').map(Number);
		else if (flag === '--only') args.only = new Set(value.split(','));
		else if (flag === '--no-large-shapes') args.largeShapes = false;
		else if (flag === '--large-list-rows') args.largeListRows = value.split(',').map(Number);
		else if (flag === '--quick') args.quick = true;
		else if (flag === '--no-n8n') args.n8n = false;
		else if (flag === '--out') args.out = path.resolve(value);
		else if (flag === '--live-versions') args.liveVersions = value.split(',');
		else if (flag === '--live-rates') args.liveRates = value.split(',').map(Number);
		else if (flag === '--json') args.json = path.resolve(value);
		else if (flag === '--queue-mode-repeat') args.queueModeRepeat = Number(value);
		else throw new Error(`Unknown option ${arg}`);
	}
	return args;
}

const args = require.main === module ? parseArgs(process.argv.slice(2)) : parseArgs([]);
if (
	args.only &&
	[...args.only].every((part) => ['shapes', 'largeLists', 'queueMode'].includes(part)) &&
	!process.argv.some((a) => a.startsWith('--latencies'))
)
	args.latencies = [SHAPES_LATENCY];
const wanted = (part) => !args.only || args.only.has(part);
const log = (line) =>
	process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

/** Child processes this run started, ended if it stops early. */
const children = new Set();
function endChildren() {
	for (const child of children) {
		try {
			child.kill('SIGKILL');
		} catch {
			// already gone
		}
	}
}
process.on('exit', endChildren);
if (require.main === module) {
	const watchdog = setTimeout(() => {
		log(`watchdog: still running after ${WATCHDOG_MS / 60_000} minutes, stopping`);
		endChildren();
		process.exit(3);
	}, WATCHDOG_MS);
	watchdog.unref();
}

function spawnTracked(command, argv, options) {
	const child = spawn(command, argv, options);
	children.add(child);
	child.once('exit', () => children.delete(child));
	return child;
}

/** Runs benchmarks/worker.js with a job; resolves with its RESULT, or { error } (never hangs past timeoutMs). */
function runWorker(job, timeoutMs) {
	return new Promise((resolve) => {
		const child = spawnTracked(
			process.execPath,
			[
				'--expose-gc',
				'--max-old-space-size=4096',
				path.join(__dirname, 'worker.js'),
				JSON.stringify(job),
			],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let stdout = '';
		let stderr = '';
		child.stdout.on('data', (c) => (stdout += c));
		child.stderr.on('data', (c) => (stderr += c));
		const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
		child.once('exit', (code, signal) => {
			clearTimeout(timer);
			const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
			if (code === 0 && line) return resolve(JSON.parse(line.slice(7)));
			resolve({
				error:
					signal === 'SIGKILL'
						? `did not finish within ${Math.round(timeoutMs / 1000)} s`
						: `exit ${code}: ${stderr.trim().split('\n').slice(-5).join(' | ')}`,
			});
		});
	});
}

/** The emulator CLI in its own process on 127.0.0.1:port with a fixed latency. */
function startEmulator(port, latencyMs) {
	return new Promise((resolve, reject) => {
		const child = spawnTracked(
			process.execPath,
			[
				path.join(BUILD, 'emulator', 'cli.js'),
				'--port',
				String(port),
				'--latency',
				String(latencyMs),
			],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let out = '';
		const timer = setTimeout(() => reject(new Error(`emulator did not start: ${out}`)), 20_000);
		child.stdout.on('data', (c) => {
			out += c;
			const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
			if (match) {
				clearTimeout(timer);
				resolve({
					url: match[1],
					stop: () =>
						new Promise((done) => {
							if (child.exitCode !== null) return done();
							child.once('exit', () => done());
							child.kill('SIGTERM');
						}),
				});
			}
		});
		child.stderr.on('data', (c) => (out += c));
		child.once('exit', (code) => {
			clearTimeout(timer);
			reject(new Error(`emulator exited (${code}): ${out}`));
		});
	});
}

function machine() {
	const cpus = os.cpus();
	return {
		cpu: cpus[0] ? cpus[0].model.trim() : 'unknown',
		cores: cpus.length,
		ramGiB: os.totalmem() / 2 ** 30,
		node: process.version,
		os: `${os.type()} ${os.release()} ${os.arch()}`,
		loadAtStart: os.loadavg(),
	};
}

// ---------------------------------------------------------------------------------------------------
// The do-it-yourself flow in real n8n

/** Code node body: SHA-256 of each item's email (at `field`), joined with commas into one item. */
function hashCode(field) {
	return [
		"const crypto = require('crypto');",
		`const records = $input.all().map((item) => crypto.createHash('sha256').update(String(item.json.${field}).trim().toLowerCase()).digest('hex'));`,
		"return [{ json: { records: records.join(','), count: records.length } }];",
	].join('\n');
}
const HASH_CODE = hashCode('email');

function httpPatchNode(id, url, token, position) {
	return {
		id,
		name: 'PATCH customer list',
		type: 'n8n-nodes-base.httpRequest',
		typeVersion: 4.2,
		position,
		// What a careful user adds after the first 429: n8n's own retry (at most 5 tries, 1 s apart).
		retryOnFail: true,
		maxTries: 5,
		waitBetweenTries: 1000,
		parameters: {
			method: 'PATCH',
			url,
			sendHeaders: true,
			headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${token}` }] },
			sendBody: true,
			specifyBody: 'json',
			jsonBody: '={{ JSON.stringify({ operation_type: "ADD", records: $json.records }) }}',
			options: {},
		},
	};
}

/** A Manual Trigger → Code (`usersCode`) workflow continued by `nodes`, as `n8n import:workflow` takes it. */
function diyWorkflow({ id, name, usersName, usersCode, nodes, connections }) {
	return {
		id,
		name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${id}-t`,
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			codeNode(`${id}-u`, usersName, usersCode, [200, 0]),
			...nodes,
		],
		connections: {
			'Manual Trigger': { main: [[{ node: usersName, type: 'main', index: 0 }]] },
			...connections,
		},
	};
}

function codeNode(id, name, jsCode, position) {
	return {
		id,
		name,
		type: 'n8n-nodes-base.code',
		typeVersion: 2,
		position,
		parameters: { jsCode },
	};
}

/** Manual Trigger → Code (users) → Loop Over Items (1,900) → Code (SHA-256, join) → HTTP Request PATCH → loop. */
function diyBulkWorkflow({ id, users, url, token }) {
	return diyWorkflow({
		id,
		name: `DIY bulk sync (${users} users)`,
		usersName: 'Users',
		usersCode: `return Array.from({ length: ${users} }, (_, i) => ({ json: { email: 'diy-user-' + i + '@example.com', n: i } }));`,
		nodes: [
			{
				id: `${id}-l`,
				name: 'Loop Over Items',
				type: 'n8n-nodes-base.splitInBatches',
				typeVersion: 3,
				position: [400, 0],
				parameters: { batchSize: 1900, options: {} },
			},
			codeNode(`${id}-h`, 'Hash and join', HASH_CODE, [600, 100]),
			httpPatchNode(`${id}-p`, url, token, [800, 100]),
		],
		connections: {
			Users: { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
			'Loop Over Items': { main: [[], [{ node: 'Hash and join', type: 'main', index: 0 }]] },
			'Hash and join': { main: [[{ node: 'PATCH customer list', type: 'main', index: 0 }]] },
			'PATCH customer list': { main: [[{ node: 'Loop Over Items', type: 'main', index: 0 }]] },
		},
	});
}

/** One user per execution: Manual Trigger → Code (the user) → Code (SHA-256) → HTTP Request PATCH. */
function diyPerUserWorkflow({ id, url, token }) {
	return diyWorkflow({
		id,
		name: 'DIY sync, one user per execution',
		usersName: 'User',
		usersCode:
			"return [{ json: { email: 'diy-single-' + Date.now() + '-' + Math.random() + '@example.com' } }];",
		nodes: [
			codeNode(`${id}-h`, 'Hash and join', HASH_CODE, [400, 0]),
			httpPatchNode(`${id}-p`, url, token, [600, 0]),
		],
		connections: {
			User: { main: [[{ node: 'Hash and join', type: 'main', index: 0 }]] },
			'Hash and join': { main: [[{ node: 'PATCH customer list', type: 'main', index: 0 }]] },
		},
	});
}

/** The live webhook flow's own nodes: the email arrives as the webhook body's `email`. */
function diyLiveNodes(url, token) {
	return {
		hashNode: codeNode('benchLiveDiyHash', 'Hash and join', hashCode('body.email'), [220, 0]),
		patchNode: httpPatchNode('benchLiveDiyPatch', url, token, [440, 0]),
	};
}

function runTimes(run) {
	if (!run || !run.startedAt || !run.stoppedAt) return undefined;
	return Date.parse(run.stoppedAt) - Date.parse(run.startedAt);
}

/** Customer-list writes: PATCHes to the list (or to any list), and creates (which carry records too). */
function writesOf(entries, listId) {
	const writes = entries.filter(
		(e) =>
			(e.method === 'PATCH' && (!listId || e.path.endsWith(`/customer_lists/${listId}`))) ||
			(!listId && e.method === 'POST' && e.path.endsWith('/customer_lists')),
	);
	const ok = writes.filter((e) => e.status >= 200 && e.status < 300);
	return {
		patches: ok.length,
		attempts: writes.length,
		rateLimited: writes.filter((e) => e.status === 429).length,
		records: ok.reduce((n, e) => n + e.recordCount, 0),
	};
}

class N8nBench {
	constructor(n8nLib, workflowsLib) {
		this.lib = n8nLib;
		this.wf = workflowsLib;
		this.instance = null;
		this.listId = null;
	}

	async setUp(emulatorUrl, users) {
		this.instance = await this.lib.createN8nInstance({
			version: '2.8.4',
			env: { NODE_FUNCTION_ALLOW_BUILTIN: 'crypto' },
			onProgress: log,
		});
		const demo = await emulatorJson('GET', `${emulatorUrl}/_emulator/demo`);
		this.demo = demo;
		this.credential = this.wf.emulatorCredential({
			id: 'benchCredential01',
			name: 'Pinterest (bench emulator)',
			baseUrl: emulatorUrl,
			clientId: demo.clientId,
			clientSecret: demo.clientSecret,
			accessToken: demo.accessToken,
			refreshToken: demo.refreshToken,
		});
		await this.instance.importCredentials([this.credential]);
		await this.instance.importWorkflow(
			this.wf.syncUsersWorkflow({
				id: 'benchOursBulk001',
				name: `Pinterest Audience Sync (${users} users)`,
				usersCode: `return Array.from({ length: ${users} }, (_, i) => ({ json: { email: 'n8n-user-' + i + '@example.com', n: i } }));`,
				credential: { id: this.credential.id, name: this.credential.name },
				parameters: {
					adAccount: { __rl: true, mode: 'id', value: demo.adAccountId },
					audienceMode: 'createNew',
					audienceName: 'Bench n8n ours',
					options: {},
				},
			}),
		);
		this.users = users;
	}

	/** The list the DIY flow writes to: created up front, as its user would have. */
	async prepareList(emulatorUrl) {
		const list = await emulatorJson(
			'POST',
			`${emulatorUrl}/v5/ad_accounts/${this.demo.adAccountId}/customer_lists`,
			{ name: 'DIY bench list', records: hashEmail('diy-seed@example.com'), list_type: 'EMAIL' },
			{ authorization: `Bearer ${this.demo.accessToken}` },
		);
		if (list.id !== this.listId) {
			const url = `${emulatorUrl}/v5/ad_accounts/${this.demo.adAccountId}/customer_lists/${list.id}`;
			await this.instance.importWorkflow([
				diyBulkWorkflow({
					id: 'benchDiyBulk0001',
					users: this.users,
					url,
					token: this.demo.accessToken,
				}),
				diyPerUserWorkflow({ id: 'benchDiyUser0001', url, token: this.demo.accessToken }),
			]);
			this.listId = list.id;
		}
		return list.id;
	}

	async execute(emulatorUrl, workflowId, listId) {
		const since = await lastLogSeq(emulatorUrl);
		const result = await this.instance.execute(workflowId, { timeoutMs: 8 * 60_000 });
		const entries = await logSince(emulatorUrl, since);
		const status = result.run ? result.run.status : undefined;
		return {
			ok: result.exitCode === 0 && status === 'success',
			error:
				result.exitCode === 0
					? undefined
					: (result.run?.data?.resultData?.error?.message ??
						result.stderr.trim().split('\n').slice(-3).join(' | ')),
			wallMs: result.durationMs,
			executionMs: runTimes(result.run),
			writes: writesOf(entries, listId),
			run: result.run,
		};
	}

	async cleanUp() {
		if (this.instance) await this.instance.cleanup();
	}
}

// ---------------------------------------------------------------------------------------------------
// Report

const fmt = (n, digits = 0) =>
	n === undefined || n === null || Number.isNaN(n)
		? '–'
		: Number(n).toLocaleString('en-US', {
				maximumFractionDigits: digits,
				minimumFractionDigits: digits,
			});
const pct = (ratio) =>
	ratio === undefined || Number.isNaN(ratio) ? '–' : `${(ratio * 100).toFixed(1)} %`;
const mb = (bytes) => (bytes === undefined ? '–' : `${fmt(bytes / 2 ** 20)} MB`);
const secs = (ms) => (ms === undefined ? '–' : `${(ms / 1000).toFixed(2)} s`);

/** Records per second between the first and the last accepted write (the limiter's sustained rate). */
function sustained(bulk) {
	const { log } = bulk;
	if (!log || log.patches < 2) return undefined;
	return ((log.patches - 1) * 1900) / ((log.lastWriteAt - log.firstWriteAt) / 1000);
}

/** The limiter's window for 7 requests/s (from the compiled engine, so the report follows the code). */
function writeWindow() {
	return require(
		path.join(BUILD, 'nodes', 'PinterestAudienceSync', 'engine', 'rateLimit', 'index.js'),
	).writeWindowFor(7);
}

/** When the last of n requests can start at the earliest: n-th start under the window, from the first. */
function idealLastStartMs(n) {
	const { slots, holdMs, minSpacingMs } = writeWindow();
	const k = n - 1;
	return Math.floor(k / slots) * holdMs + (k % slots) * minSpacingMs;
}

/** Where one bulk run's time went: before the first write, the writes themselves, after the last one. */
function bulkBreakdown(r) {
	const sendMs = r.log.lastWriteAt - r.log.firstWriteAt;
	const idealSendMs = idealLastStartMs(r.log.patches);
	return {
		beforeMs: r.firstWriteAfterMs,
		sendMs,
		extraSendMs: sendMs - idealSendMs,
		afterMs: r.wallMs - r.lastWriteAfterMs,
	};
}

function targetRows(results) {
	const rows = [];
	const bulk = results.filter((r) => r.kind === 'bulk' && !r.error);
	if (bulk.length) {
		const worst = bulk.reduce((a, b) => (b.usersPerSec < a.usersPerSec ? b : a));
		const worstSustained = Math.min(...bulk.map((r) => sustained(r) ?? Infinity));
		const missed = bulk.filter((r) => r.usersPerSec / CEILING < 0.98);
		rows.push([
			'Bulk ≥ 98 % of 13,300 users/s at every latency up to 500 ms',
			`end to end ${pct(worst.usersPerSec / CEILING)} at worst (${fmt(worst.users)} users, ${worst.latency} ms); sustained ${pct(worstSustained / CEILING)} at worst`,
			missed.length === 0 ? 'met' : `missed in ${missed.length} of ${bulk.length} runs`,
			missed
				.map((r) => {
					const b = bulkBreakdown(r);
					return `${fmt(r.users)} @ ${r.latency} ms: ${pct(r.usersPerSec / CEILING)} = ${secs(r.wallMs)}: ${fmt(b.beforeMs)} ms before the first write, ${secs(b.sendMs)} of writes (${fmt(b.extraSendMs)} ms more than the limiter's earliest ${secs(idealLastStartMs(r.log.patches))}; ${r.log.rateLimitedWrites} × 429), ${fmt(b.afterMs)} ms after the last write (its ${r.latency} ms answer, then counting users and building the outputs)`;
				})
				.join('<br>'),
		]);
		const million = bulk.filter((r) => r.users === 1_000_000);
		if (million.length) {
			const slow = million.filter((r) => r.wallMs > 77_000);
			rows.push([
				'1,000,000 users in ≤ 77 s',
				million.map((r) => `${secs(r.wallMs)} @ ${r.latency} ms`).join(', '),
				slow.length === 0
					? 'met'
					: `missed at ${slow.map((r) => `${r.latency} ms (+${fmt((r.wallMs - 77_000) / 1000, 1)} s)`).join(', ')}`,
				slow.length === 0
					? ''
					: `527 requests at 7 per ${writeWindow().holdMs} ms start over ${secs(idealLastStartMs(527))} at the earliest (75 s at exactly 7/s), so 77 s leaves ${secs(77_000 - idealLastStartMs(527))} for the audience lookup, the last answer and the outputs. ${slow
							.map((r) => {
								const b = bulkBreakdown(r);
								return `${r.latency} ms: ${fmt(b.beforeMs)} ms before the first write (the audience lookup), writes took ${fmt(b.extraSendMs)} ms more than the earliest (${r.log.rateLimitedWrites} × 429, each retried and slowing the limiter), ${fmt(b.afterMs)} ms after the last write (its answer, then accounting and outputs)`;
							})
							.join('; ')}`,
			]);
		}
	}
	const streams = results.filter((r) => r.kind === 'streaming' && !r.error);
	if (streams.length) {
		const short = streams.filter(
			(r) =>
				r.sustainedDeliveredPerSec / r.arrivalPerSec < 0.95 ||
				r.arrivalPerSec < 0.95 * r.rate ||
				r.failed > 0,
		);
		const over = streams.filter((r) => r.log.patches > r.requestBound);
		rows.push([
			'Streaming ≥ 95 % of arrival up to 10,000 users/s, ≤ 1 request per 1,900 users + 1 per flush',
			`delivered once under way ${streams.map((r) => `${pct(r.sustainedDeliveredPerSec / r.arrivalPerSec)} of ${fmt(r.rate)}/s @ ${r.latency} ms`).join(', ')}; requests within the bound in ${streams.length - over.length} of ${streams.length} runs`,
			short.length === 0 && over.length === 0
				? 'met'
				: `missed in ${short.length + over.length} of ${streams.length} runs`,
			short
				.map((r) => {
					const cpuCoresNeeded = (r.cpuMsPerExecution * r.rate) / 1000;
					return `${fmt(r.rate)}/s @ ${r.latency} ms: arrivals reached ${fmt(r.arrivalPerSec)}/s (start lag p99 ${fmt(r.arrivalLagMs.p99)} ms), delivered ${fmt(r.sustainedDeliveredPerSec)}/s once under way; the process needs ${fmt(r.cpuMsPerExecution * 1000)} µs of CPU per execution (the harness included), ${fmt(cpuCoresNeeded, 2)} cores at this rate${r.failed ? `; ${r.failed} failed: ${r.firstFailure}` : ''}`;
				})
				.concat(
					over.map(
						(r) =>
							`${fmt(r.rate)}/s @ ${r.latency} ms: ${r.log.patches} requests > bound ${r.requestBound}`,
					),
				)
				.join('<br>'),
		]);
	}
	const nodeSide = results.find((r) => r.kind === 'nodeSide' && !r.error);
	if (nodeSide) {
		const email = nodeSide.variants.email;
		rows.push([
			'Node-side work ≥ 300,000 users/s per core',
			Object.entries(nodeSide.variants)
				.map(([k, v]) => `${k} ${fmt(v.usersPerSecCpu)}/s`)
				.join(', '),
			email.usersPerSecCpu >= 300_000
				? 'met'
				: `missed for emails by ${pct(1 - email.usersPerSecCpu / 300_000)}`,
			email.usersPerSecCpu >= 300_000
				? ''
				: 'Per email: SHA-256 (crypto.hash), the dedupe index over the 32-byte digests, trimming, Unicode normalisation, lower-casing and the address checks, plus the garbage collection of the intermediate strings.',
		]);
	}
	const perSegment = nodeSide?.variants.perSegment;
	if (perSegment) {
		rows.push([
			'Per-item targets: ≥ 200,000 users/s per core node-side, 1,000,000 users over 10 audiences by `{{ $json.segment }}`',
			`${fmt(perSegment.usersPerSecCpu)}/s (one fixed audience: ${fmt(nodeSide.variants.email.usersPerSecCpu)}/s)`,
			perSegment.usersPerSecCpu >= 200_000
				? 'met'
				: `missed by ${pct(1 - perSegment.usersPerSecCpu / 200_000)}`,
			'',
		]);
	}
	const million = bulk.filter((r) => r.users === 1_000_000);
	if (million.length) {
		const worst = million.reduce((a, b) => (b.memory.oursRss > a.memory.oursRss ? b : a));
		rows.push([
			'Memory beyond the items ≤ 150 MB at 1,000,000 users',
			million
				.map((r) => `${mb(r.memory.oursRss)} RSS (${mb(r.memory.oursHeap)} heap) @ ${r.latency} ms`)
				.join(', '),
			worst.memory.oursRss <= 150 * 2 ** 20
				? 'met'
				: `missed by ${mb(worst.memory.oursRss - 150 * 2 ** 20)} at worst`,
			worst.memory.oursRss <= 150 * 2 ** 20
				? ''
				: 'What a 1,000,000-user execution holds beyond its input: the unique records as 32-byte digests with their dedupe index (~41 MB), per-user record numbers and outcomes (~9 MB), the Users output items and their shared pairedItem objects (~70 MB, built during the last requests), the request bodies in flight, and garbage not yet collected; RSS also keeps freed pages until V8 gives them back.',
		]);
	}
	return rows;
}

function report({ machineInfo, results, startedAt, finishedAt }) {
	const lines = [];
	const push = (...l) => lines.push(...l);
	push(
		'# Benchmark results',
		'',
		`Generated by \`npm run bench\` (benchmarks/run.js) on ${startedAt.toISOString().slice(0, 10)}; the run took ${fmt((finishedAt - startedAt) / 60_000, 1)} minutes.`,
		'',
		'## Machine and settings',
		'',
		`- CPU: ${machineInfo.cpu}, ${machineInfo.cores} cores; RAM ${fmt(machineInfo.ramGiB, 1)} GiB; ${machineInfo.os}; Node ${machineInfo.node}.`,
		`- Load average when the run started: ${machineInfo.loadAtStart.map((l) => l.toFixed(2)).join(' / ')} (1/5/15 min). The machine is shared: other processes compete for its ${machineInfo.cores} cores, which slows every CPU-bound figure below.`,
		'- Pinterest API emulator (`node build/emulator/cli.js --port <free> --latency <ms>`) in its own process on 127.0.0.1, a fresh one per latency, fixed latency (no jitter), 7 writes/s per user, 1,900 records per request, its default read limits (ads_read 1,000/min, 100 requests/s per user).',
		"- Our node: driven in-process through its execute path, `new PinterestAudienceSync().execute.call(context)` on the compiled node in `build/`, one instance per process as n8n keeps it. The context is the test suite's stand-in for n8n's `IExecuteFunctions` (`test/helpers/n8nContext.ts`: real HTTP with axios, n8n 2.8's OAuth2 refresh), transpiled in memory with the project's TypeScript compiler (no ts-node). Each scenario runs in a fresh Node process started with `--expose-gc`.",
		'- Node options: defaults (batch size 1,900, 7 requests/s, flush window 5 s, retry window 15 min, status field off), Existing Audience by ID. Before each measured run one execution of 1 user creates the audience (this opens the token gate and caches the Pinterest user, as in an n8n that has been running).',
		`- Ceiling: 7 requests/s × 1,900 users = ${fmt(CEILING)} users/s per Pinterest user. The limiter lets at most ${writeWindow().slots} requests start in any ${writeWindow().holdMs} ms (1,000 ms + a ${writeWindow().holdMs - 1000} ms margin), starts at least ${writeWindow().minSpacingMs} ms apart, i.e. at most ${fmt((7 * 1900) / (writeWindow().holdMs / 1000))} users/s (${pct((7 * 1900) / (writeWindow().holdMs / 1000) / CEILING)} of the ceiling) sustained.`,
		'',
	);

	const targets = targetRows(results);
	if (targets.length) {
		push('## Targets', '', '| target | measured | | why, where missed |', '|---|---|---|---|');
		for (const [target, measured, verdict, why] of targets)
			push(`| ${target} | ${measured} | ${verdict} | ${why || ''} |`);
		push('');
	}

	const bulkRows = results.filter((r) => r.kind === 'bulk');
	if (bulkRows.length) {
		push(
			'## Bulk: one execution',
			'',
			'End to end: from `execute()` to its return, including the first lookup round trip, preparing the users, the last response and building the outputs. Sustained: accepted records per second between the first and the last write at the emulator (how saturated the limiter is). Memory: peak RSS of the process (kernel peak, reset before the run) and the part above the baseline taken with the input items already in memory after a full GC.',
			'',
			'| latency | users | time | users/s | vs 13,300/s | sustained | requests (min) | 429s | first write after | peak RSS | ours (above items) |',
			'|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
		);
		for (const r of bulkRows) {
			if (r.error) {
				push(`| ${r.latency} ms | ${fmt(r.users)} | failed: ${r.error} |||||||||`);
				continue;
			}
			const sus = sustained(r);
			push(
				`| ${r.latency} ms | ${fmt(r.users)} | ${secs(r.wallMs)} | ${fmt(r.usersPerSec)} | ${pct(r.usersPerSec / CEILING)} | ${fmt(sus)} (${pct(sus / CEILING)}) | ${r.log.patches} (${Math.ceil(r.users / 1900)}) | ${r.log.rateLimitedWrites} | ${fmt(r.firstWriteAfterMs)} ms | ${mb(r.memory.peakRss)} | ${mb(r.memory.oursRss)} |`,
			);
		}
		push('');
	}

	const streamRows = results.filter((r) => r.kind === 'streaming');
	if (streamRows.length) {
		push(
			'## Streaming: one user per execution',
			'',
			"Executions of 1 user each start at a fixed arrival rate for 20 s, all in one process (coalescing is process-wide). Delivered once under way: users completed after the first completion ÷ (last completion − first completion), the rate at which users leave once the first request has left; end to end: users ÷ (last completion − first arrival), which also charges the first and the last flush window (they are in the delay columns). Delay: from an execution's start to its return. Requests per 1,900 users: accepted writes × 1,900 ÷ users; the bound is ceil(users/1,900) + one per elapsed flush window + 1. CPU: our process's CPU time per execution (the harness's stand-in context included).",
			'',
			'| latency | arrival (target) | users | delivered once under way | vs arrival | end to end | delay p50 | delay p99 | requests (bound) | per 1,900 users | 429s | reads | CPU µs/execution | failed |',
			'|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
		);
		for (const r of streamRows) {
			if (r.error) {
				push(`| ${r.latency} ms | ${fmt(r.rate)}/s | failed: ${r.error} ||||||||||||`);
				continue;
			}
			push(
				`| ${r.latency} ms | ${fmt(r.arrivalPerSec)}/s (${fmt(r.rate)}) | ${fmt(r.users)} | ${fmt(r.sustainedDeliveredPerSec)} | ${pct(r.sustainedDeliveredPerSec / r.arrivalPerSec)} | ${fmt(r.deliveredPerSec)} (${pct(r.deliveredPerSec / r.arrivalPerSec)}) | ${secs(r.delayMs.p50)} | ${secs(r.delayMs.p99)} | ${r.log.patches} (${r.requestBound}) | ${fmt(r.requestsPer1900, 2)} | ${r.log.rateLimited} | ${r.log.reads} | ${fmt(r.cpuMsPerExecution * 1000)} | ${r.failed} |`,
			);
		}
		push('');
	}

	const nodeSide = results.find((r) => r.kind === 'nodeSide');
	if (nodeSide && !nodeSide.error) {
		push(
			'## Node-side cost alone',
			'',
			`\`prepareUsers\` (read the mapped field, normalise, SHA-256, dedupe) on ${fmt(Object.values(nodeSide.variants)[0].users)} distinct users, then cutting the records into request bodies of 1,900 (per-request dedupe and the JSON body), no HTTP. Single-threaded; users/s per core = users ÷ CPU time of the process; the best of three runs after a warm-up.`,
			'',
			'| input | prepare | cut into bodies | total wall | users/s (wall) | users/s per core (CPU) |',
			'|---|---:|---:|---:|---:|---:|',
		);
		const labels = {
			email: 'emails (mixed case, spaces)',
			sha256: 'already SHA-256 hashed',
			maid: 'MAIDs',
			perSegment:
				'emails, New Audience Name `{{ $json.segment }}` (10 audiences: grouped, then each group prepared)',
		};
		for (const [variant, r] of Object.entries(nodeSide.variants)) {
			push(
				`| ${labels[variant] ?? variant} | ${fmt(r.prepareMs)} ms | ${fmt(r.chunkMs)} ms | ${fmt(r.wallMs)} ms | ${fmt(r.usersPerSecWall)} | ${fmt(r.usersPerSecCpu)} |`,
			);
		}
		push('');
	} else if (nodeSide) {
		push('## Node-side cost alone', '', `Failed: ${nodeSide.error}`, '');
	}

	const perItem = results.find((r) => r.kind === 'perItemTargets');
	if (perItem) {
		push(
			'## One node, many audiences: targets per item',
			'',
			`One execution of ${perItem.error ? 'users' : fmt(perItem.fixed.users)} users with New Audience Name \`{{ $json.segment }}\` (${perItem.error ? '' : fmt(perItem.perItem.audiences)} segments, so as many audiences, each created by the run) beside the same number of users into one fixed New Audience Name, in-process against the emulator at ${perItem.latency} ms. Pinterest's pace sets the wall time of both; the node's own work is this process's CPU time (the stand-in context's HTTP included). The ≥ 200,000 users/s per core target is for the node-side work (the per-segment row of \"Node-side cost alone\").`,
			'',
		);
		if (perItem.error) push(`Failed: ${perItem.error}`, '');
		else {
			push(
				'| New Audience Name | users | audiences | requests | wall | CPU | users/s per core (CPU) |',
				'|---|---:|---:|---:|---:|---:|---:|',
			);
			for (const r of [perItem.fixed, perItem.perItem]) {
				push(
					`| ${r.label === 'fixed audience' ? 'fixed' : `\`${r.label}\``} | ${fmt(r.users)} | ${r.audiences} | ${fmt(r.requests)} | ${secs(r.wallMs)} | ${secs(r.cpuMs)} | ${fmt(r.usersPerSecCpu)} |`,
				);
			}
			push('');
		}
	}

	const n8nRows = results.filter((r) => r.kind === 'n8n');
	if (n8nRows.length) {
		push(
			'## Side by side in real n8n 2.8.4',
			'',
			"Both flows run with `n8n execute --id` (scripts/lib/n8n.js: fresh user folder, SQLite, the compiled node as a custom extension) against the same emulator process. Ours: Manual Trigger → Code (users) → Pinterest Audience Sync (Create New Audience by name, defaults). Do-it-yourself: Manual Trigger → Code (users) → Loop Over Items (1,900) → Code (SHA-256, join with commas) → HTTP Request (PATCH the customer list, Bearer header, n8n's Retry On Fail: 5 tries 1 s apart) → back to the loop. Execution time is n8n's own startedAt → stoppedAt; wall adds the `n8n execute` process start (~5 s) and printing the run. Users/s: users ÷ execution time for the bulk flows; for one user per execution, 1 ÷ wall (each `n8n execute` is a new process). Writes: accepted PATCHes (and, for ours, the create that carries the first 1,900 records).",
			'',
			'| latency | flow | users | execution time | users/s | wall | writes | 429s | outcome |',
			'|---:|---|---:|---:|---:|---:|---:|---:|---|',
		);
		for (const r of n8nRows) {
			push(
				`| ${r.latency} ms | ${r.flow} | ${fmt(r.users)} | ${secs(r.executionMs)} | ${fmt(r.usersPerSec, r.usersPerSec < 10 ? 2 : 0)} | ${secs(r.wallMs)} | ${r.writes ? fmt(r.writes.patches) : '–'} | ${r.writes ? r.writes.rateLimited : '–'} | ${r.ok ? 'succeeded' : `failed: ${r.error ?? 'see log'}`} |`,
			);
		}
		push('');
		const byLatency = new Map();
		for (const r of n8nRows) {
			const entry = byLatency.get(r.latency) ?? {};
			entry[r.flow] = r;
			byLatency.set(r.latency, entry);
		}
		push("Ratios (ours ÷ do-it-yourself, users/s over n8n's execution time):", '');
		for (const [latency, entry] of byLatency) {
			const ours = entry['ours (bulk)'];
			const diy = entry['DIY (bulk)'];
			const single = entry['DIY (1 user per execution)'];
			const stream = results.find(
				(r) => r.kind === 'streaming' && r.latency === latency && r.rate === 2000 && !r.error,
			);
			const parts = [];
			if (ours && diy && ours.usersPerSec && diy.usersPerSec)
				parts.push(`bulk ${fmt(ours.usersPerSec / diy.usersPerSec, 2)}×`);
			if (single && single.usersPerSec && stream) {
				parts.push(
					`streaming: ours delivered ${fmt(stream.sustainedDeliveredPerSec)} users/s (one user per execution, 2,000/s arriving, in-process) vs ${fmt(single.usersPerSec, 2)} users/s for one \`n8n execute\` per user (${fmt(single.wallMs / 1000, 1)} s wall each, ${fmt(single.executionMs)} ms of it inside n8n) = ${fmt(stream.sustainedDeliveredPerSec / single.usersPerSec)}×. Even in a long-running n8n the do-it-yourself flow sends one request per user, so Pinterest\'s 7 writes/s cap it at 7 users/s (${fmt(stream.sustainedDeliveredPerSec / 7)}× less than ours delivered)`,
				);
			}
			const live = (flow) =>
				results.find(
					(r) => r.kind === 'live' && r.latency === latency && r.flow === flow && !r.error,
				);
			if (live('ours') && live('diy')) {
				const [o, d, alone] = [live('ours'), live('diy'), live('n8nAlone')];
				parts.push(
					`live n8n, a webhook per user at ${fmt(o.arrivalPerSec)}/s: ours put ${pct(o.inList / o.users)} of its users in the list with ${o.writes} writes (answers p50 ${secs(o.delayMs.p50)}${alone ? `, n8n alone ${secs(alone.delayMs.p50)}` : ''}); do-it-yourself ${pct(d.inList / d.users)} (${fmt(d.users - d.inList)} users lost, ${fmt(d.writes)} writes, ${fmt(d.rateLimited)} × 429, answers p50 ${secs(d.delayMs.p50)})`,
				);
			}
			push(`- ${latency} ms: ${parts.join('; ') || '–'}`);
		}
		push('');
	}

	const liveRows = results.filter((r) => r.kind === 'live');
	if (liveRows.length) {
		push(
			'## Streaming through a live n8n: a webhook per user',
			'',
			`A running \`n8n start\` (regular mode, SQLite, default settings, scripts/lib/n8n.js; n8n 2.8.4 on Node 20 and 2.40.7 on Node 24) receives one webhook call per user, ${LIVE_RATES.map((r) => fmt(r)).join(' or ')} calls/s (10 s each, 5 s at ${fmt(LIVE_SHORT_RATE)}/s; the do-it-yourself flow at ${fmt(LIVE_DIY_RATE)}/s only), from the benchmark process, against the same emulator; each call's users are new to the list. n8n alone: Webhook (answers when its execution ends) → No Operation, n8n's own share of the delay at this rate. Ours: Webhook (answers when its execution ends) → Pinterest Audience Sync (Create New Audience by name, defaults: 5 s flush window), so the executions coalesce in the n8n process. Do-it-yourself: Webhook (the same) → Code (SHA-256) → HTTP Request (PATCH the customer list, Bearer header, Retry On Fail: 5 tries 1 s apart). In the list: the users the emulator's list holds afterwards. Executions OK: webhook answers 2xx. Writes: accepted writes; per 1,900 users: writes × 1,900 ÷ users. Delay: from a call to its answer. Drained: from the last call to the last answer. n8n CPU per execution OK: the CPU time of n8n's processes (n8n and its task runners) from the first call to the last answer, over the calls answered 2xx; load: the machine's 1-minute load average when the stream started.`,
			'',
			'| n8n | latency | flow | users | arrival | in the list | lost | executions OK | writes | 429s | per 1,900 users | delay p50 | delay p99 | drained after | n8n CPU per execution OK | load |',
			'|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
		);
		for (const r of liveRows) {
			if (r.error) {
				push(
					`| ${r.version ?? '2.8.4'} | ${r.latency} ms | ${r.flow} | failed: ${r.error} |||||||||||`,
				);
				continue;
			}
			push(
				`| ${r.version ?? '2.8.4'} | ${r.latency} ms | ${LIVE_FLOWS[r.flow] ?? r.flow} | ${fmt(r.users)} | ${fmt(r.arrivalPerSec)}/s | ${r.inList === undefined ? '–' : `${fmt(r.inList)} (${pct(r.inList / r.users)})`} | ${r.inList === undefined ? '–' : fmt(r.users - r.inList)} | ${fmt(r.answeredOk)} | ${fmt(r.writes)} | ${fmt(r.rateLimited)} | ${fmt(r.requestsPer1900, 2)} | ${secs(r.delayMs.p50)} | ${secs(r.delayMs.p99)} | ${secs(r.drainMs)} | ${r.n8nCpuSeconds === undefined ? '–' : `${fmt((r.n8nCpuSeconds * 1000) / r.answeredOk, 1)} ms`} | ${r.load1 === undefined ? '–' : fmt(r.load1, 1)} |`,
			);
		}
		push('');
		// The node's added time: ours against n8n alone, the same version, rate and latency.
		const targets = [];
		for (const ours of liveRows.filter(
			(r) => r.flow === 'ours' && !r.error && r.spanMs !== undefined,
		)) {
			const alone = liveRows.find(
				(r) =>
					r.flow === 'n8nAlone' &&
					!r.error &&
					r.version === ours.version &&
					r.rate === ours.rate &&
					r.latency === ours.latency,
			);
			const added = alone ? ours.spanMs / alone.spanMs - 1 : undefined;
			const bound = Math.ceil(ours.users / 1900) + Math.ceil(ours.spanMs / 5000) + 1;
			targets.push(
				`- n8n ${ours.version}, ${fmt(ours.rate)} calls/s: last answer ${secs(ours.spanMs)} after the first call${alone ? ` (n8n alone ${secs(alone.spanMs)}: ${added >= 0 ? '+' : ''}${pct(added)}${ours.rate >= LIVE_DIY_RATE ? `, target ≤ +10 %: ${added <= 0.1 ? 'met' : 'missed'}` : ', no target: the last call may wait its Flush Window for company'})` : ''}; ${fmt(ours.inList)} of ${fmt(ours.users)} users in the list; ${ours.writes} writes (bound: one per 1,900 users + one per 5 s Flush Window + 1 = ${bound}: ${ours.writes <= bound ? 'met' : 'missed'})${alone ? perExecution(ours, alone) : ''}.`,
			);
		}
		if (targets.length) push('Targets (ours against n8n alone):', '', ...targets);
		push('');
	}
	push(...shapesSection(results, startedAt));
	push(...largeListsSection(results, startedAt));
	return lines.join('\n');
}

/**
 * Where the added time goes: the stream's span and n8n's CPU per execution answered 2xx, ours beside n8n
 * alone. When n8n alone fails calls it does less work, so its span alone understates n8n's own cost.
 */
function perExecution(ours, alone) {
	const spanPer = (r) => r.spanMs / r.answeredOk;
	const parts = [
		`; per execution answered: ${fmt(spanPer(ours), 1)} ms of the span vs ${fmt(spanPer(alone), 1)} ms (${pct(spanPer(ours) / spanPer(alone) - 1)})`,
	];
	if (alone.answeredOk < alone.users)
		parts.push(`, n8n alone answered ${fmt(alone.answeredOk)} of ${fmt(alone.users)} calls`);
	if (ours.n8nCpuSeconds !== undefined && alone.n8nCpuSeconds !== undefined) {
		const cpuPer = (r) => (r.n8nCpuSeconds * 1000) / r.answeredOk;
		parts.push(
			`; n8n's CPU ${fmt(cpuPer(ours), 1)} ms vs ${fmt(cpuPer(alone), 1)} ms per execution (${fmt(cpuPer(ours) - cpuPer(alone), 1)} ms added by the node)`,
		);
	}
	return parts.join('');
}

const MIRROR_HEADING = '## Mirror: one execution with 1 % churn';

/** The Mirror section of RESULTS.md (benchmarks/worker.js `mirror`). */
function mirrorSection(r, machineInfo) {
	const lines = [MIRROR_HEADING, ''];
	if (r.error) return [...lines, `Failed: ${r.error}`, ''].join('\n');
	const row = (label, m) =>
		`| ${label} | ${fmt(m.users)} | ${secs(m.wallMs)} | ${secs(m.cpuMs)} | ${fmt(m.log.patches)} | ${fmt(m.log.recordsAccepted)} | ${fmt(m.metrics.usersAdded)} | ${fmt(m.metrics.usersRemoved)} | ${fmt(m.metrics.usersUnchanged)} | ${mb(m.memory.oursRss)} | ${mb(m.memory.oursHeap)} |`;
	const { plainAdd, first, churned } = r;
	lines.push(
		`Emulator latency ${r.latency} ms, defaults otherwise, Existing Audience by ID, memory in a file under a fresh n8n user folder. ${fmt(r.users)} users (already n8n items in memory, as n8n holds them before the node runs): a plain Add to one audience; the first Mirror of another audience (nothing remembered: everyone is added); then the same Mirror with ${pct(r.churn)} churn (the first ${fmt(r.changed)} users left, ${fmt(r.changed)} new ones joined). Load average when this run started: ${machineInfo.loadAtStart.map((l) => l.toFixed(2)).join(' / ')}. The churn run is a fresh process (as after an n8n restart) reading the memory file the first run wrote. Time: the execution's wall time (CPU: the process's CPU time during it). Memory: peak RSS (kernel) and peak JavaScript heap beyond the items (the digests are in typed arrays, outside the heap: RSS is the figure to compare). The stored memory afterwards: ${mb(r.memoryFileBytes)} (32 bytes per member).`,
		'',
		'| run | users | time | CPU | requests | records sent | added | removed | unchanged | memory (RSS) | memory (heap) |',
		'|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
		row('plain Add', plainAdd),
		row('Mirror, first run', first),
		row(`Mirror, ${pct(r.churn)} churn`, churned),
		'',
		`Targets for the churn run: ≤ 10 s node time — ${churned.wallMs <= 10_000 ? 'met' : 'missed'} (${secs(churned.wallMs)}); ≤ 150 MB beyond n8n's items — ${churned.memory.oursRss <= 150 * 2 ** 20 ? 'met' : 'missed'} (${mb(churned.memory.oursRss)}).`,
		'',
	);
	return lines.join('\n');
}

const SHAPES_HEADING = '## Workflow shapes in real n8n 2.8.4';

/** Each shape with the default options beside Flush Window 0, and the targets they are held to. */
function shapesSection(results, startedAt) {
	const rows = results.filter((r) => r.kind === 'shape');
	if (!rows.length) return [];
	const lines = [
		SHAPES_HEADING,
		'',
		`Measured on ${startedAt.toISOString().slice(0, 10)} (\`npm run bench -- --only=shapes\`, benchmarks/lib/shapes.js) at ${SHAPES_LATENCY} ms latency, each row with \`n8n execute --id\` in a fresh n8n 2.8.4 user folder (SQLite, the compiled node as a custom extension) and an audience of its own (Existing Audience by ID). Loop: Manual Trigger → Code (users) → Loop Over Items (batch) → Pinterest Audience Sync → back to the loop, one execution. Sub-workflow: the same loop → Execute Workflow (wait for it, all items at once) of a published sub-workflow Execute Workflow Trigger → Pinterest Audience Sync: each batch an execution of its own, one after the other. Lone: one webhook call carrying the users into a running \`n8n start\` (Webhook answering when the execution ends → Split Out → Pinterest Audience Sync), after a warm-up call and a quiet spell of 6 s, nothing else running; its execution time is from the call to the answer. Node time: the Pinterest Audience Sync runs (the Execute Workflow runs for the sub-workflow shape) added up, from n8n\'s run data. In the list after: from the execution\'s start (n8n\'s startedAt; for a lone call, the call) to the answer of the last accepted write at the emulator. × Flush Window 0: node time (a lone call\'s execution time) over that with Flush Window 0. The machine is shared and its load drifts between runs: the 5,000-user rows run twice each in the order default, 0, 0, default; their times are the means (each run\'s node time in brackets); writes and 429s the most of any run.`,
		'',
		'| shape | users | flush window | execution time | node time | node runs | × Flush Window 0 | writes | 429s | in the list | in the list after | outcome |',
		'|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
	];
	const key = (r) => `${r.shape}|${r.users}|${r.batch ?? ''}`;
	const off = new Map(rows.filter((r) => r.flushWindow === '0 s' && r.ok).map((r) => [key(r), r]));
	const ratio = (r) => {
		const base = off.get(key(r));
		const time = (x) => x.nodeMs ?? x.executionMs;
		return base && r.ok && time(base) > 0 ? time(r) / time(base) : undefined;
	};
	for (const r of rows) {
		if (!r.ok && r.executionMs === undefined) {
			lines.push(`| ${r.name} | ${fmt(r.users)} | ${r.flushWindow} | failed: ${r.error} |||||||||`);
			continue;
		}
		const x = ratio(r);
		lines.push(
			`| ${r.name} | ${fmt(r.users)} | ${r.flushWindow} | ${secs(r.executionMs)} | ${secs(r.nodeMs)}${r.nodeMsEach && r.nodeMsEach.length > 1 ? ` (${r.nodeMsEach.map((ms) => fmt(ms / 1000, 2)).join(', ')})` : ''} | ${fmt(r.nodeRuns)} | ${x === undefined ? '–' : `${fmt(x, 2)}×`} | ${fmt(r.writes)} | ${fmt(r.rateLimited)} | ${fmt(r.inList)} of ${fmt(r.users)} | ${secs(r.inListAfterMs)} | ${r.ok ? 'succeeded' : `failed: ${r.error ?? 'see log'}`} |`,
		);
	}
	lines.push('', 'Targets:', '');
	for (const r of rows.filter((x) => x.flushWindow !== '0 s')) {
		if (r.shape === 'lone') {
			const bound = SHAPES_LATENCY + 500;
			const met = r.ok && r.inList === r.users && r.inListAfterMs <= bound;
			lines.push(
				`- ${r.name} of ${fmt(r.users)}: in the list ${secs(r.inListAfterMs)} after its start (target ≤ latency + 0.5 s = ${secs(bound)}): ${met ? 'met' : 'missed'}.`,
			);
		} else {
			const x = ratio(r);
			const met = r.ok && r.inList === r.users && x !== undefined && x <= 1.2;
			lines.push(
				`- ${r.name}: node time ${x === undefined ? '–' : `${fmt(x, 2)}×`} that with Flush Window 0 (target ≤ 1.2×): ${met ? 'met' : 'missed'}.`,
			);
		}
	}
	lines.push('');
	return lines;
}

/** 1,000,000 users in a running n8n: each way of building the sync, what n8n made of it, and the limiter's targets. */
function largeListsSection(results, startedAt) {
	const rows = results.filter((r) => r.kind === 'largeList');
	if (!rows.length) return [];
	const load = (l) => l.map((x) => x.toFixed(2)).join('/');
	const lines = [
		'## Large lists in a running n8n 2.8.4',
		'',
		`Measured on ${startedAt.toISOString().slice(0, 10)} (\`npm run bench -- --only=largeLists\`, benchmarks/lib/largeLists.js) at ${SHAPES_LATENCY} ms latency: 1,000,000 users (emails) added to an audience of their own (Existing Audience by ID, default options), each row in a fresh \`n8n start\` (regular mode, SQLite, default settings unless the row says otherwise; the compiled node as a custom extension), triggered by one webhook call (Webhook answering when the execution ends) after a 1-user warm-up call. One execution: Webhook → Code (1,000,000 users) → Pinterest Audience Sync. Loop: Webhook → Code (1,000,000 users) → Loop Over Items (50,000) → Execute Workflow (wait; a sub-workflow Execute Workflow Trigger → Pinterest Audience Sync) → back to the loop. Pages: Webhook → Code (20 page numbers) → Execute Workflow once per item (wait), the sub-workflow Execute Workflow Trigger → Code (its page of 50,000 users, standing in for a database or file read) → Pinterest Audience Sync, its Metrics output → No Operation (so each sub-workflow hands back one item). The large-list template (examples/large-list-pages-side-by-side.json, its schedule replaced by a Webhook answering at once): Code (8 pages of 125,400 users, a whole number of requests each) → Execute Workflow once per page without waiting, calling the workflow itself, each page's execution Read Page (Code) → Pinterest Audience Sync; the row waits until the list accepted every user. Answer: the webhook's status and time from the call (n8n answers after saving the execution). In the list: users the emulator's list holds; after: from the call to the answer of the last accepted write. × ceiling: users ÷ that time ÷ 13,300/s; writing: the same between the first write's arrival and the last answer. Writes and 429s: write attempts at the emulator; most in any second: attempts arriving within any 1,000 ms (the 8th is the one refused). Peak RSS: the kernel's high-water mark of the \`n8n start\` process and of its task runner (which runs the Code nodes). Load: the machine's load average (1/5/15 min) before and after the row; 2 cores shared with other work.`,
		'',
		'| workflow | executions saved | outcome | in the list | answer after | in the list after | × ceiling | writing (× ceiling) | writes | 429s | most writes in any second | n8n peak RSS (task runner) | load before → after |',
		'|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
	];
	for (const r of rows) {
		if (r.failedToRun) {
			lines.push(`| ${r.name} | ${r.saving} | bench failed: ${r.failedToRun} ||||||||||`);
			continue;
		}
		const outcome =
			r.answer === 200
				? 'succeeded'
				: `failed (answer ${r.answer}${r.alive ? '' : ', n8n exited'}): ${r.errors.join(' / ') || 'see the n8n log'}`;
		// The large-list template saves failed executions only, by its own setting.
		const saved =
			r.saving === 'none'
				? 'errors only'
				: r.shape === 'sideBySide'
					? "errors only (the template's setting)"
					: 'all (default)';
		lines.push(
			`| ${r.name}${r.note ? ` (${r.note})` : ''} | ${saved} | ${outcome} | ${fmt(r.inList)} | ${secs(r.wallMs)} | ${secs(r.inListAfterMs)} | ${r.inListAfterMs ? pct(r.inList / (r.inListAfterMs / 1000) / CEILING) : '–'} | ${secs(r.writingMs)} (${r.writingMs ? pct(r.inList / (r.writingMs / 1000) / CEILING) : '–'}) | ${fmt(r.writes)} | ${fmt(r.rateLimited)} | ${r.mostWritesInASecond} | ${mb(r.n8nPeakRss)} (${mb(r.runnerPeakRss)}) | ${load(r.loadBefore)} → ${load(r.loadAfter)} |`,
		);
	}
	lines.push('', 'Targets (the limiter under a busy n8n process):', '');
	for (const r of rows.filter((x) => !x.failedToRun)) {
		const per = r.inList ? (r.rateLimited * 1_000_000) / r.inList : undefined;
		lines.push(
			`- ${r.name}${r.note ? ` (${r.note})` : ''}, saving ${r.saving}: ${fmt(r.rateLimited)} × 429 (target ≤ 1 per 1,000,000 users: ${per !== undefined && per <= 1 ? 'met' : 'missed'}); at most ${r.mostWritesInASecond} write attempts in any second (target ≤ 7: ${r.mostWritesInASecond <= 7 ? 'met' : 'missed'}).`,
		);
	}
	lines.push('');
	return lines;
}

/**
 * A run of some sections only (--only) keeps the rest of the existing file: each section measured now
 * replaces its namesake, a new one is added at the end; the header, settings and targets stay.
 */
function mergeSections(existing, fresh) {
	const split = (text) => {
		// The queue-mode e2e sections begin with their marker comment, which belongs to them.
		const parts = text.split(/^(?=## |<!-- queue-mode )/m);
		return { head: parts[0], sections: parts.slice(1) };
	};
	const old = split(existing);
	const now = split(fresh);
	const heading = (section) => section.split('\n', 1)[0];
	const keep = new Set(['## Machine and settings', '## Targets']);
	const sections = [...old.sections];
	for (const section of now.sections) {
		if (keep.has(heading(section))) continue;
		const at = sections.findIndex((s) => heading(s) === heading(section));
		const text = section.endsWith('\n\n') ? section : `${section.replace(/\n*$/, '')}\n\n`;
		if (at >= 0) sections[at] = text;
		else {
			if (sections.length)
				sections[sections.length - 1] = `${sections[sections.length - 1].replace(/\n*$/, '')}\n\n`;
			sections.push(text);
		}
	}
	return `${old.head}${sections.join('')}`.replace(/\n*$/, '\n');
}

// ---------------------------------------------------------------------------------------------------

async function main() {
	const startedAt = new Date();
	const machineInfo = machine();
	log(
		`machine: ${machineInfo.cpu}, ${machineInfo.cores} cores, ${fmt(machineInfo.ramGiB, 1)} GiB, Node ${machineInfo.node}, load ${machineInfo.loadAtStart.map((l) => l.toFixed(2)).join('/')}`,
	);
	if (!fs.existsSync(path.join(BUILD, 'emulator', 'cli.js')))
		throw new Error('build/ is missing: run "npm run build" first (npm run bench does).');
	const results = [];
	const bulkSizes = args.quick ? [100_000] : [100_000, 1_000_000];
	const rates = [100, 2000, 10_000];
	const durationSec = args.quick ? 5 : 20;

	if (wanted('nodeSide')) {
		log('node-side cost (1,000,000 users × 3 inputs)');
		const r = await runWorker(
			{ kind: 'nodeSide', users: args.quick ? 200_000 : 1_000_000 },
			5 * 60_000,
		);
		results.push(
			r.error ? { kind: 'nodeSide', error: r.error } : { kind: 'nodeSide', variants: r },
		);
	}

	// Queue mode (never part of a full run: needs redis-server): its own emulators and Redis.
	if (args.only?.has('queueMode')) {
		log('queue mode: worker processes sharing one Redis, 150 ms');
		const builtEmulator = require(path.join(BUILD, 'emulator', 'index.js'));
		results.push(...(await runQueueMode(builtEmulator, { log, repeat: args.queueModeRepeat })));
	}

	let n8nBench;
	const liveSeconds = args.quick ? 5 : 10;
	const n8nLibPath = path.join(REPO_ROOT, 'scripts', 'lib', 'n8n.js');
	// --only=live runs the live webhook streams without the `n8n execute` comparison.
	const useN8n = args.n8n && (wanted('n8n') || wanted('live')) && fs.existsSync(n8nLibPath);
	const { freePort } = useN8n ? require(n8nLibPath) : { freePort: null };
	const port = freePort
		? await freePort()
		: await new Promise((resolve) => {
				const srv = require('node:net').createServer();
				srv.listen(0, '127.0.0.1', () => {
					const p = srv.address().port;
					srv.close(() => resolve(p));
				});
			});

	try {
		for (const latency of args.latencies) {
			log(`emulator on port ${port}, latency ${latency} ms`);
			const emulator = await startEmulator(port, latency);
			try {
				if (wanted('mirror') && latency === args.latencies[0]) {
					const users = args.quick ? 100_000 : 1_000_000;
					log(`  mirror ${fmt(users)} users, 1 % churn, beside a plain Add`);
					const userFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'pas-bench-mirror-'));
					const timeoutMs = (users / 2_000 + 120) * 1000;
					try {
						const first = await runWorker(
							{ kind: 'mirror', phase: 'first', emulatorUrl: emulator.url, users, userFolder },
							timeoutMs,
						);
						const churn = 0.01;
						const second = first.error
							? first
							: await runWorker(
									{
										kind: 'mirror',
										phase: 'churn',
										emulatorUrl: emulator.url,
										users,
										churn,
										userFolder,
										audience: first.audience,
									},
									timeoutMs,
								);
						const r = second.error
							? { error: second.error }
							: { users, churn, ...first, ...second };
						results.push({ kind: 'mirror', latency, ...r });
						if (!r.error)
							log(
								`    churn run ${secs(r.churned.wallMs)}, ${mb(r.churned.memory.oursRss)}; plain Add ${secs(r.plainAdd.wallMs)}, ${mb(r.plainAdd.memory.oursRss)}`,
							);
						else log(`    ${r.error}`);
					} finally {
						fs.rmSync(userFolder, { recursive: true, force: true });
					}
				}
				if (wanted('bulk')) {
					for (const users of bulkSizes) {
						log(`  bulk ${fmt(users)} users`);
						const r = await runWorker(
							{ kind: 'bulk', emulatorUrl: emulator.url, users },
							(users / 10_000 + 60) * 1000 * 2,
						);
						results.push({ kind: 'bulk', latency, users, ...r });
						if (!r.error)
							log(
								`    ${fmt(r.usersPerSec)} users/s (${pct(r.usersPerSec / CEILING)}), ${r.log.patches} requests, ${r.log.rateLimitedWrites} × 429, ours ${mb(r.memory.oursRss)}`,
							);
						else log(`    ${r.error}`);
					}
				}
				if (wanted('streaming')) {
					for (const rate of rates) {
						log(`  streaming ${fmt(rate)} users/s for ${durationSec} s`);
						const r = await runWorker(
							{ kind: 'streaming', emulatorUrl: emulator.url, rate, durationSec },
							(durationSec + 90) * 1000,
						);
						results.push({ kind: 'streaming', latency, rate, ...r });
						if (!r.error)
							log(
								`    delivered ${fmt(r.sustainedDeliveredPerSec)}/s once under way (${fmt(r.deliveredPerSec)}/s end to end) of ${fmt(r.arrivalPerSec)}/s, p50 ${secs(r.delayMs.p50)}, p99 ${secs(r.delayMs.p99)}, ${r.log.patches} requests, ${r.failed} failed`,
							);
						else log(`    ${r.error}`);
					}
				}
				if (
					wanted('perItemTargets') &&
					latency === args.latencies[Math.min(1, args.latencies.length - 1)]
				) {
					const users = args.quick ? 100_000 : 1_000_000;
					log(
						`  per-item targets: ${fmt(users)} users over 10 audiences, beside one fixed audience`,
					);
					const r = await runWorker(
						{ kind: 'perItemTargets', emulatorUrl: emulator.url, users, audiences: 10 },
						(users / 10_000 + 60) * 1000 * 4,
					);
					results.push({ kind: 'perItemTargets', latency, ...r });
					if (!r.error)
						log(
							`    fixed ${fmt(r.fixed.usersPerSecCpu)} users/s per core, per item ${fmt(r.perItem.usersPerSecCpu)} users/s per core`,
						);
					else log(`    ${r.error}`);
				}
				if (useN8n) {
					const users = args.quick ? 20_000 : 100_000;
					if (wanted('n8n'))
						try {
							if (!n8nBench) {
								log('  setting up n8n 2.8.4 (fresh user folder, imports)');
								n8nBench = new N8nBench(
									require(n8nLibPath),
									require(path.join(REPO_ROOT, 'scripts', 'lib', 'workflows.js')),
								);
								await n8nBench.setUp(emulator.url, users);
							}
							const listId = await n8nBench.prepareList(emulator.url);
							log(`  n8n: ours, ${fmt(users)} users`);
							const ours = await n8nBench.execute(emulator.url, 'benchOursBulk001');
							results.push({
								kind: 'n8n',
								latency,
								flow: 'ours (bulk)',
								users,
								...ours,
								run: undefined,
								usersPerSec: ours.ok ? users / (ours.executionMs / 1000) : undefined,
							});
							log(
								`    ${ours.ok ? `${secs(ours.executionMs)} in n8n, ${secs(ours.wallMs)} wall` : `failed: ${ours.error}`}`,
							);
							log(`  n8n: do-it-yourself, ${fmt(users)} users`);
							const diy = await n8nBench.execute(emulator.url, 'benchDiyBulk0001', listId);
							results.push({
								kind: 'n8n',
								latency,
								flow: 'DIY (bulk)',
								users,
								...diy,
								run: undefined,
								usersPerSec: diy.ok ? users / (diy.executionMs / 1000) : undefined,
							});
							log(
								`    ${diy.ok ? `${secs(diy.executionMs)} in n8n, ${secs(diy.wallMs)} wall, ${diy.writes.rateLimited} × 429` : `failed: ${diy.error}`}`,
							);
							log('  n8n: do-it-yourself, one user per execution (2 executions)');
							const singles = [];
							for (let i = 0; i < 2; i++)
								singles.push(await n8nBench.execute(emulator.url, 'benchDiyUser0001', listId));
							const okSingles = singles.filter((s) => s.ok);
							const wallMs =
								okSingles.reduce((n, s) => n + s.wallMs, 0) / Math.max(1, okSingles.length);
							const executionMs =
								okSingles.reduce((n, s) => n + s.executionMs, 0) / Math.max(1, okSingles.length);
							results.push({
								kind: 'n8n',
								latency,
								flow: 'DIY (1 user per execution)',
								users: 1,
								ok: okSingles.length === singles.length,
								error: singles.find((s) => !s.ok)?.error,
								wallMs,
								executionMs,
								writes: {
									patches: singles.reduce((n, s) => n + s.writes.patches, 0) / singles.length,
									rateLimited: singles.reduce((n, s) => n + s.writes.rateLimited, 0),
								},
								usersPerSec: okSingles.length ? 1000 / wallMs : undefined,
							});
							log(`    ${secs(wallMs)} wall per execution, ${fmt(executionMs)} ms inside n8n`);
						} catch (error) {
							log(`  n8n comparison failed: ${error.message}`);
							results.push({
								kind: 'n8n',
								latency,
								flow: 'setup',
								users: 0,
								ok: false,
								error: error.message.split('\n')[0],
							});
						}
					if (wanted('live') && latency === LIVE_LATENCY) {
						for (const version of args.liveVersions ?? LIVE_VERSIONS) {
							const liveBench = new LiveStreamingBench(
								require(n8nLibPath),
								require(path.join(REPO_ROOT, 'scripts', 'lib', 'workflows.js')),
								diyLiveNodes,
								log,
							);
							try {
								log(`  starting a live n8n ${version} server with the webhook flows published`);
								await liveBench.start(emulator.url, version);
								for (const rate of args.liveRates ?? LIVE_RATES) {
									// At 1,000 calls/s the do-it-yourself flow would only be refused faster; n8n alone and ours tell the cost.
									const flows =
										rate === LIVE_DIY_RATE ? ['n8nAlone', 'ours', 'diy'] : ['n8nAlone', 'ours'];
									const durationSec =
										rate >= LIVE_SHORT_RATE ? Math.ceil(liveSeconds / 2) : liveSeconds;
									for (const flow of flows) {
										log(
											`  live n8n ${version}, a webhook per user: ${LIVE_FLOWS[flow]}, ${fmt(rate)} users/s for ${durationSec} s`,
										);
										const r = await liveBench.run(emulator.url, flow, {
											rate,
											durationSec,
											prefix: `live-${version}-${rate}-${flow}-${latency}-`,
										});
										results.push({ kind: 'live', latency, version, rate, ...r });
										log(
											`    ${r.inList === undefined ? '' : `${fmt(r.inList)} of ${fmt(r.users)} users in the list, `}${fmt(r.answeredOk)} executions succeeded${r.answeredOk < r.users ? ` (the others answered ${JSON.stringify(r.failedStatuses)}: ${r.failedAnswers.join(' | ')})` : ''}, ${r.writes} writes, ${r.rateLimited} × 429, p50 ${secs(r.delayMs.p50)}, drained ${secs(r.drainMs)}`,
										);
									}
								}
							} catch (error) {
								log(`  live n8n ${version} streaming failed: ${error.message}`);
								results.push({
									kind: 'live',
									latency,
									version,
									flow: 'setup',
									error: error.message.split('\n')[0],
								});
							} finally {
								await liveBench.stop().catch(() => undefined);
							}
						}
					}
				}
				if (
					wanted('shapes') &&
					args.n8n &&
					latency === SHAPES_LATENCY &&
					fs.existsSync(n8nLibPath)
				) {
					log('  workflow shapes in real n8n 2.8.4 (default options beside Flush Window 0)');
					const workflowsLib = require(path.join(REPO_ROOT, 'scripts', 'lib', 'workflows.js'));
					results.push(
						...(await runShapes(require(n8nLibPath), workflowsLib, emulator.url, {
							quick: args.quick,
							large: args.largeShapes,
							log,
						})),
					);
				}
				if (
					args.only?.has('largeLists') &&
					args.n8n &&
					latency === SHAPES_LATENCY &&
					fs.existsSync(n8nLibPath)
				) {
					log('  large lists in a running n8n 2.8.4 (1,000,000 users, one n8n per row)');
					results.push(
						...(await runLargeLists(
							require(n8nLibPath),
							require(path.join(REPO_ROOT, 'scripts', 'lib', 'workflows.js')),
							emulator.url,
							{
								log,
								rows: args.largeListRows
									? args.largeListRows.map((i) => LARGE_LIST_ROWS[i])
									: LARGE_LIST_ROWS,
							},
						)),
					);
				}
			} finally {
				await emulator.stop();
			}
		}
	} finally {
		if (n8nBench) await n8nBench.cleanUp().catch(() => undefined);
	}

	const finishedAt = new Date();
	// The measurements first: a report that fails must not lose them.
	if (args.json)
		fs.writeFileSync(
			args.json,
			`${JSON.stringify({ machine: machineInfo, startedAt, finishedAt, results }, null, '\t')}\n`,
		);
	let markdown = report({ machineInfo, results, startedAt, finishedAt });
	const queueModeResults = results.filter((r) => r.kind === 'queueMode');
	if (queueModeResults.length)
		markdown = `${markdown.trimEnd()}\n\n${queueModeSection(queueModeResults, startedAt).trimEnd()}`;
	const mirrorResult = results.find((r) => r.kind === 'mirror');
	if (mirrorResult)
		markdown = `${markdown.trimEnd()}\n\n${mirrorSection(mirrorResult, machineInfo).trimEnd()}`;
	const existing = fs.existsSync(args.out) ? fs.readFileSync(args.out, 'utf8') : '';
	// With --only, the sections measured replace theirs in the file and the others stay.
	let text = args.only && existing ? mergeSections(existing, `${markdown}\n`) : `${markdown}\n`;
	// The queue-mode section comes from the queue-mode e2e test, not from this run: keep it.
	const queueMode = existing && !args.only ? extractResultsSection(existing) : '';
	if (queueMode) text = `${text.trimEnd()}\n\n${queueMode}\n`;
	fs.writeFileSync(args.out, text);
	log(
		`wrote ${path.relative(process.cwd(), args.out)} in ${fmt((finishedAt - startedAt) / 60_000, 1)} minutes`,
	);
}

if (require.main === module) {
	main().then(
		() => process.exit(0),
		(error) => {
			log(error && error.stack ? error.stack : String(error));
			process.exit(1);
		},
	);
}

module.exports = { report, mergeSections, largeListsSection };
