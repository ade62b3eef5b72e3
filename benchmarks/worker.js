'use strict';
/**
 * One benchmark scenario in a fresh process (clean module state, memory measured from a known
 * baseline). Started by benchmarks/run.js as `node --expose-gc benchmarks/worker.js '<json>'`; prints
 * one line `RESULT <json>` at the end.
 *
 *   {"kind":"bulk","emulatorUrl":"http://127.0.0.1:N","users":100000}
 *   {"kind":"bulk","emulatorUrl":"http://127.0.0.1:N","users":1000000,"action":"remove"}
 *   {"kind":"streaming","emulatorUrl":"...","rate":2000,"durationSec":10}
 *   {"kind":"nodeSide","users":1000000}
 *   {"kind":"perItemTargets","emulatorUrl":"...","users":1000000,"audiences":10}
 *   {"kind":"mirror","emulatorUrl":"...","users":1000000,"phase":"first","userFolder":"..."}
 *   {"kind":"mirror","emulatorUrl":"...","users":1000000,"churn":0.01,"phase":"churn","userFolder":"...","audience":{...}}
 */
const fs = require('node:fs');
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const { lastLogSeq, logSince, emulatorJson } = require('./lib/emulatorAdmin');
const { percentile } = require('./lib/stats');
const {
	credentialFor,
	executeNode,
	requireBuilt,
	syncParameters,
	createExecuteContext,
} = require('./lib/inProcess');

const gc = typeof global.gc === 'function' ? () => (global.gc(), global.gc()) : () => undefined;

/** Resets the kernel's peak-RSS mark of this process (Linux); false when not possible. */
function resetPeakRss() {
	try {
		fs.writeFileSync('/proc/self/clear_refs', '5');
		return true;
	} catch {
		return false;
	}
}

/** VmHWM (peak RSS) in bytes, or undefined. */
function peakRss() {
	try {
		const match = /VmHWM:\s+(\d+)\s+kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
		return match ? Number(match[1]) * 1024 : undefined;
	} catch {
		return undefined;
	}
}

/** The shortest time in which `n + 1` writes arrived (above 1,000 ms: never more than n in a second). */
function tightestWindow(times, n) {
	let tightest;
	for (let i = n; i < times.length; i++)
		tightest = Math.min(tightest ?? Infinity, times[i] - times[i - n]);
	return tightest;
}

/** What the emulator saw: writes to the list, 429s, reads. */
function summariseLog(entries, listId) {
	const api = entries.filter((e) => e.category !== 'admin' && e.category !== 'oauth');
	const writes = api.filter(
		(e) => e.method === 'PATCH' && (!listId || e.path.endsWith(`/customer_lists/${listId}`)),
	);
	const accepted = writes.filter((e) => e.status >= 200 && e.status < 300);
	return {
		patches: accepted.length,
		patchAttempts: writes.length,
		rateLimited: api.filter((e) => e.status === 429).length,
		rateLimitedWrites: writes.filter((e) => e.status === 429).length,
		reads: api.filter((e) => e.method === 'GET').length,
		rateLimitedReads: api.filter((e) => e.method === 'GET' && e.status === 429).length,
		recordsAccepted: accepted.reduce((n, e) => n + e.recordCount, 0),
		firstWriteAt: accepted.length ? accepted[0].t : undefined,
		lastWriteAt: accepted.length ? accepted[accepted.length - 1].t : undefined,
		maxRecordsPerRequest: accepted.reduce((m, e) => Math.max(m, e.recordCount), 0),
		rateLimitedAtMs: writes
			.filter((e) => e.status === 429)
			.map((e) => e.t - (writes[0] ? writes[0].t : 0)),
		tightestWindowMs: tightestWindow(
			writes.map((e) => e.t),
			7,
		),
	};
}

/** Creates the audience with one user: opens the token gate and caches the Pinterest user, as in a running n8n. */
async function warmUp(emulatorUrl, name) {
	const demo = await emulatorJson('GET', `${emulatorUrl}/_emulator/demo`);
	const credential = credentialFor(emulatorUrl, demo);
	const [, [metrics]] = await executeNode({
		credential,
		parameters: syncParameters(demo.adAccountId, { name }, { flushWindowSeconds: 0 }),
		items: [{ json: { email: `warm-up-${name.replace(/\W+/g, '-')}@example.com` } }],
	});
	if (metrics.json.usersSynced !== 1)
		throw new Error(`warm-up failed: ${JSON.stringify(metrics.json)}`);
	return {
		demo,
		credential,
		audienceId: String(metrics.json.audienceId),
		listId: String(metrics.json.customerListId),
	};
}

/**
 * Items as n8n holds them: parsed from JSON (a task runner's answer, a database, a webhook), so their
 * strings are flat. Built by concatenation they would be flattened on the node's first read, which
 * counted ~45 bytes a user of the items' own memory as the node's.
 */
function emailItems(count, prefix) {
	const items = new Array(count);
	for (let i = 0; i < count; i++) items[i] = { json: { email: `${prefix}${i}@example.com`, n: i } };
	return JSON.parse(JSON.stringify(items));
}

/**
 * One execution of the node with `items` (already in memory, like n8n's own items), measured: wall and
 * CPU time, and the memory it takes beyond the items (peak RSS from the kernel, sampled heap).
 */
async function measuredExecution({ emulatorUrl, credential, parameters, items, listId }) {
	gc();
	const baseline = process.memoryUsage();
	const peakResettable = resetPeakRss();
	let sampledPeak = baseline.rss;
	let peakHeapUsed = baseline.heapUsed;
	const sampler = setInterval(() => {
		const now = process.memoryUsage();
		sampledPeak = Math.max(sampledPeak, now.rss);
		peakHeapUsed = Math.max(peakHeapUsed, now.heapUsed);
	}, 50);
	const since = await lastLogSeq(emulatorUrl);
	const cpu = process.cpuUsage();
	const started = performance.now();
	const startedAt = performance.timeOrigin + started;
	let outputs = await executeNode({ credential, parameters, items });
	const wallMs = performance.now() - started;
	const cpuUsed = process.cpuUsage(cpu);
	clearInterval(sampler);
	sampledPeak = Math.max(sampledPeak, process.memoryUsage.rss());
	const peak = peakResettable ? Math.max(peakRss() ?? 0, sampledPeak) : sampledPeak;
	const users = items.length;
	const [output, [metrics]] = outputs;
	if (output.length !== users)
		throw new Error(`Users output has ${output.length} items, expected ${users}`);
	// What the two outputs hold beyond the items: the heap with them, then without them.
	gc();
	const withOutputs = process.memoryUsage().heapUsed;
	outputs = undefined;
	output.length = 0;
	metrics.pairedItem = undefined;
	gc();
	const outputsBytes = withOutputs - process.memoryUsage().heapUsed;
	const log = summariseLog(await logSince(emulatorUrl, since), listId);
	return {
		users,
		wallMs,
		usersPerSec: users / (wallMs / 1000),
		metrics: metrics.json,
		log,
		firstWriteAfterMs: log.firstWriteAt !== undefined ? log.firstWriteAt - startedAt : undefined,
		lastWriteAfterMs: log.lastWriteAt !== undefined ? log.lastWriteAt - startedAt : undefined,
		cpuMs: (cpuUsed.user + cpuUsed.system) / 1000,
		memory: {
			baselineRss: baseline.rss,
			peakRss: peak,
			oursRss: peak - baseline.rss,
			baselineHeapUsed: baseline.heapUsed,
			peakHeapUsed,
			oursHeap: peakHeapUsed - baseline.heapUsed,
			peakFromKernel: peakResettable,
			outputsBytes,
		},
	};
}

/** One execution of `users` users into one audience; `action: 'remove'` removes them instead. */
async function bulk({ emulatorUrl, users, action = 'add' }) {
	const { demo, credential, audienceId, listId } = await warmUp(emulatorUrl, `Bench bulk ${users}`);
	const items = emailItems(users, 'bulk-user-');
	return await measuredExecution({
		emulatorUrl,
		credential,
		parameters: { ...syncParameters(demo.adAccountId, { id: audienceId }), action },
		items,
		listId,
	});
}

/**
 * Mirror, in two processes sharing an n8n user folder (the memory file): `phase: 'first'` runs a plain
 * Add of `users` users to one audience and the first Mirror of them to another; `phase: 'churn'` (a fresh
 * process, so its memory is measured from a clean baseline) mirrors the same users with `churn` of them
 * replaced by new ones.
 */
async function mirror({ emulatorUrl, users, churn, phase, userFolder, audience }) {
	process.env.N8N_USER_FOLDER = userFolder;
	const warm = await warmUp(emulatorUrl, `Bench mirror ${phase} ${users}`);
	const target = audience ?? (await warmUp(emulatorUrl, `Bench mirror ${users}`));
	const parameters = {
		...syncParameters(warm.demo.adAccountId, { id: target.audienceId }),
		action: 'mirror',
	};
	const items = emailItems(users, 'mirror-user-');
	if (phase === 'first') {
		const plainAdd = await measuredExecution({
			emulatorUrl,
			credential: warm.credential,
			parameters: syncParameters(warm.demo.adAccountId, { id: warm.audienceId }),
			items,
			listId: warm.listId,
		});
		const first = await measuredExecution({
			emulatorUrl,
			credential: warm.credential,
			parameters,
			items,
			listId: target.listId,
		});
		return { plainAdd, first, audience: { audienceId: target.audienceId, listId: target.listId } };
	}
	// Tomorrow's segment: the first `changed` users left, as many new ones joined.
	const changed = Math.round(users * churn);
	const joined = emailItems(changed, 'mirror-joined-');
	items.splice(0, changed, ...joined);
	const churned = await measuredExecution({
		emulatorUrl,
		credential: warm.credential,
		parameters,
		items,
		listId: target.listId,
	});
	const memoryFolder = path.join(userFolder, '.n8n', 'pinterest-audience-sync', 'mirror');
	const memoryFileBytes = fs.statSync(
		path.join(memoryFolder, `${warm.demo.adAccountId}-${target.listId}-email.bin`),
	).size;
	return { changed, churned, memoryFileBytes };
}

/**
 * Normalise + hash + dedupe (prepareUsers) and the cutting of request bodies, without any HTTP. The
 * `perSegment` input also groups the users by the audience their item names (`{{ $json.segment }}`, ten
 * segments) first, and prepares each group on its own, as Sync Users does with per-item targets.
 */
function nodeSide({ users }) {
	const { prepareUsers } = requireBuilt('nodes/PinterestAudienceSync/engine/users/records.js');
	const { identifierReader } = requireBuilt(
		'nodes/PinterestAudienceSync/actions/syncUsers/parameters.js',
	);
	const { readSyncTargets } = requireBuilt(
		'nodes/PinterestAudienceSync/actions/syncUsers/targets.js',
	);
	const { sha256Hex } = requireBuilt('nodes/PinterestAudienceSync/engine/users/normalise.js');
	const { listRequestBody } = requireBuilt(
		'nodes/PinterestAudienceSync/engine/sync/requestBody.js',
	);
	const batchSize = 1900;
	const variants = {
		email: (i) => ({ email: `  User.${i}@Example.com ` }),
		sha256: (i) => ({ email: sha256Hex(`user.${i}@example.com`) }),
		maid: (i) => ({ maid: `${(0x10000000 + i).toString(16)}-8246-4ba4-ae5b-76104861e7dc` }),
		perSegment: (i) => ({ email: `  User.${i}@Example.com `, segment: `Segment ${i % 10}` }),
	};
	const results = {};
	for (const [variant, make] of Object.entries(variants)) {
		const field = variant === 'maid' ? 'maid' : 'email';
		const items = new Array(users);
		for (let i = 0; i < users; i++) items[i] = { json: make(i) };
		const context = createExecuteContext({
			credential: {
				environment: 'custom',
				customBaseUrl: 'http://127.0.0.1:9',
				clientId: 'x',
				clientSecret: 'x',
				oauthTokenData: { access_token: 'x' },
			},
			parameters: {
				emailValue: '={{ $json.email }}',
				maidValue: '={{ $json.maid }}',
				audienceMode: 'createNew',
				audienceName: variant === 'perSegment' ? '={{ $json.segment }}' : 'Fixed audience',
				adAccount: { __rl: true, mode: 'id', value: '549755885175' },
			},
			items,
		});
		const reader = identifierReader(context, items, [field]);
		/** Every group's users prepared on their own; one group (every user) unless targets are per item. */
		const prepareAll = (count) => {
			const groups =
				variant === 'perSegment'
					? readSyncTargets(context, items.slice(0, count))
					: [{ users: null }];
			return groups.map(({ users: members }) =>
				members
					? prepareUsers(members.length, [field], (user, f) => reader(members[user], f))
					: prepareUsers(count, [field], reader),
			);
		};
		// Warm the JIT on a slice first, then keep the best of three runs (the machine may be shared).
		prepareAll(Math.min(users, 20_000));
		const runs = [];
		for (let repeat = 0; repeat < 3; repeat++) {
			gc();
			const cpu = process.cpuUsage();
			const t0 = performance.now();
			const preparedGroups = prepareAll(users);
			const t1 = performance.now();
			let bytes = 0;
			let records = 0;
			for (const prepared of preparedGroups) {
				records += prepared.records.length;
				if (prepared.notSynced.size !== 0)
					throw new Error(`${variant}: ${prepared.notSynced.size} not synced`);
				for (let start = 0; start < prepared.records.length; start += batchSize) {
					const count = Math.min(prepared.records.length, start + batchSize) - start;
					bytes += listRequestBody('ADD', [{ records: prepared.records, start, count }]).length;
				}
			}
			const t2 = performance.now();
			const cpuUsed = process.cpuUsage(cpu);
			if (records !== users) throw new Error(`${variant}: ${records} records`);
			const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
			runs.push({
				prepareMs: t1 - t0,
				chunkMs: t2 - t1,
				wallMs: t2 - t0,
				cpuMs,
				bytes,
				groups: preparedGroups.length,
			});
		}
		const best = runs.reduce((a, b) => (b.cpuMs < a.cpuMs ? b : a));
		const median = [...runs].sort((a, b) => a.cpuMs - b.cpuMs)[1];
		results[variant] = {
			users,
			groups: best.groups,
			prepareMs: best.prepareMs,
			chunkMs: best.chunkMs,
			wallMs: best.wallMs,
			cpuMs: best.cpuMs,
			usersPerSecWall: users / (best.wallMs / 1000),
			usersPerSecCpu: users / (best.cpuMs / 1000),
			medianUsersPerSecCpu: users / (median.cpuMs / 1000),
			bodyBytes: best.bytes,
		};
		items.length = 0;
	}
	return results;
}

/**
 * One execution whose New Audience Name is `{{ $json.segment }}` (users spread over `audiences` names)
 * beside one of the same users into a fixed audience: what grouping users by target costs the node.
 * Pinterest's pace sets the wall time of both; the node's share is this process's CPU time.
 */
async function perItemTargets({ emulatorUrl, users, audiences }) {
	const demo = await emulatorJson('GET', `${emulatorUrl}/_emulator/demo`);
	const credential = credentialFor(emulatorUrl, demo);
	const stamp = Date.now();
	const measure = async (label, audienceName, prefix) => {
		const items = new Array(users);
		for (let i = 0; i < users; i++)
			items[i] = {
				json: {
					email: `${prefix}${i}@example.com`,
					segment: `Bench ${stamp} segment ${i % audiences}`,
				},
			};
		gc();
		const parameters = {
			...syncParameters(demo.adAccountId, { name: audienceName }),
			audienceName,
		};
		const cpu = process.cpuUsage();
		const started = performance.now();
		const [output, metrics] = await executeNode({ credential, parameters, items });
		const wallMs = performance.now() - started;
		const cpuUsed = process.cpuUsage(cpu);
		const synced = metrics.reduce((n, m) => n + m.json.usersSynced, 0);
		if (output.length !== users || synced !== users)
			throw new Error(
				`${label}: ${synced} of ${users} users synced over ${metrics.length} audiences`,
			);
		const cpuMs = (cpuUsed.user + cpuUsed.system) / 1000;
		return {
			label,
			users,
			audiences: metrics.length,
			wallMs,
			cpuMs,
			usersPerSecCpu: users / (cpuMs / 1000),
			requests: metrics.reduce((n, m) => n + m.json.requests, 0),
		};
	};
	const fixed = await measure('fixed audience', `Bench ${stamp} fixed`, 'fixed-target-');
	const perItem = await measure('{{ $json.segment }}', '={{ $json.segment }}', 'per-item-target-');
	return { fixed, perItem };
}

async function main() {
	const job = JSON.parse(process.argv[2] || '{}');
	let result;
	if (job.kind === 'bulk') result = await bulk(job);
	else if (job.kind === 'streaming') result = await streaming(job);
	else if (job.kind === 'nodeSide') result = nodeSide(job);
	else if (job.kind === 'perItemTargets') result = await perItemTargets(job);
	else if (job.kind === 'mirror') result = await mirror(job);
	else throw new Error(`unknown job ${process.argv[2]}`);
	process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
}

main().then(
	() => process.exit(0),
	(error) => {
		process.stderr.write(`${error && error.stack ? error.stack : String(error)}\n`);
		process.exit(1);
	},
);
