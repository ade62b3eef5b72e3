'use strict';
/**
 * Large lists in a running n8n 2.8.4 (`n8n start`, regular mode, SQLite): 1,000,000 users synced the ways
 * an n8n user would build it, each in a fresh n8n so that its peak memory is its own, against the emulator.
 *
 * - one execution: Webhook → Code (1,000,000 users) → Pinterest Audience Sync (add);
 * - Loop Over Items (50,000) → Execute Workflow (sub-workflow Execute Workflow Trigger → Pinterest Audience
 *   Sync, waited for): the loop as users bring it from other API nodes, all users in the parent;
 * - pages: Webhook → Code (20 page numbers) → Execute Workflow once per item (waited for), the sub-workflow
 *   reading its own 50,000 users (Code, standing in for a database or file page) → Pinterest Audience
 *   Sync, returning only its Metrics item (No Operation on the Metrics output);
 * - one execution again with n8n saving no successful execution (EXECUTIONS_DATA_SAVE_ON_SUCCESS=none).
 *
 * Measured: the webhook's answer (n8n answers when the execution ends), the executions n8n kept and their
 * status, the users in the list and the writes as the emulator saw them arrive (429s, the most write
 * attempts in any 1,000 ms), the n8n process's and its task runner's peak RSS (the kernel's VmHWM), and
 * the load average around each row.
 */
const fs = require('node:fs');
const os = require('node:os');

const { emulatorJson, lastLogSeq, logSince } = require('./emulatorAdmin');
const { groupPeaks } = require('./processGroup');
const {
	ShapesBench,
	SYNC_NODE,
	node,
	syncNode,
	triggerNode,
	link,
	usersCode,
} = require('./shapes');

const USERS = 1_000_000;
const BATCH = 50_000;
const CEILING = 7 * 1900;
const CALL_TIMEOUT_MS = 20 * 60_000;
/** The template's pages side by side (its default, within n8n's task runner concurrency of 10). */
const SIDE_BY_SIDE_PAGES = 8;
/** A row whose webhook answers before the sync ends is over once no write arrived for this long. */
const WRITES_SETTLED_MS = 60_000;

const ROWS = [
	{ shape: 'one', saving: 'default', name: 'one execution' },
	{ shape: 'one', saving: 'none', name: 'one execution, successful executions not saved' },
	{
		shape: 'loop',
		saving: 'default',
		name: `Loop Over Items ${BATCH.toLocaleString('en-US')} → Execute Workflow (sub-workflow per batch)`,
	},
	{
		shape: 'pages',
		saving: 'default',
		name: `Execute Workflow per page of ${BATCH.toLocaleString('en-US')}, the sub-workflow reads its page and returns its Metrics`,
	},
	{
		shape: 'sideBySide',
		saving: 'default',
		name: `the large-list template: ${SIDE_BY_SIDE_PAGES} pages read and synced side by side`,
	},
];

const SAVING_ENV = {
	default: {},
	none: { EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'none' },
};

const base = { active: false, settings: { executionOrder: 'v1' } };

function webhookNode(id) {
	return node(
		`${id}-w`,
		'Webhook',
		'n8n-nodes-base.webhook',
		2,
		[0, 0],
		{ httpMethod: 'POST', path: id, responseMode: 'lastNode', options: {} },
		{ webhookId: `${id}-hook` },
	);
}

function codeNode(id, name, jsCode, position) {
	return node(id, name, 'n8n-nodes-base.code', 2, position, { jsCode });
}

function executeWorkflowNode(id, subId, mode, position) {
	return node(id, 'Execute Workflow', 'n8n-nodes-base.executeWorkflow', 1.1, position, {
		source: 'database',
		workflowId: { __rl: true, mode: 'id', value: subId },
		mode,
		options: { waitForSubWorkflow: true },
	});
}

/** A row's workflows, every one to publish (the webhook workflow last); the last one is called. */
function rowWorkflows(row, { id, sync }) {
	// The called workflow: the webhook, then `nodes` (the first one right after the webhook).
	const called = (nodes, connections) => ({
		...base,
		id,
		name: `Large lists: ${row.name}`,
		nodes: [webhookNode(id), ...nodes],
		connections: { Webhook: link(nodes[0].name), ...connections },
	});
	const users = () => codeNode(`${id}-u`, 'Users', usersCode(USERS, row.prefix), [200, 0]);
	if (row.shape === 'one')
		return [called([users(), sync(`${id}-s`, [400, 0])], { Users: link(SYNC_NODE) })];
	const subId = `${id.slice(0, -3)}Sub`;
	const sub = (nodes, connections) => ({
		...base,
		id: subId,
		name: `Large lists: sub-workflow of ${id}`,
		nodes: [triggerNode(subId), ...nodes],
		connections: { 'Execute Workflow Trigger': link(nodes[0].name), ...connections },
	});
	if (row.shape === 'loop')
		return [
			sub([sync(`${subId}-s`, [200, 0])], {}),
			called(
				[
					users(),
					node(`${id}-l`, 'Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, [400, 0], {
						batchSize: BATCH,
						options: {},
					}),
					executeWorkflowNode(`${id}-x`, subId, 'once', [600, 100]),
				],
				{
					Users: link('Loop Over Items'),
					'Loop Over Items': { main: [[], [{ node: 'Execute Workflow', type: 'main', index: 0 }]] },
					'Execute Workflow': link('Loop Over Items'),
				},
			),
		];
	const page = `const { page, size } = $input.first().json;
return Array.from({ length: size }, (_, i) => ({ json: { email: '${row.prefix}' + (page * size + i) + '@example.com' } }));`;
	const pages = `return Array.from({ length: ${USERS / BATCH} }, (_, page) => ({ json: { page, size: ${BATCH} } }));`;
	return [
		sub(
			[
				codeNode(`${subId}-u`, 'Read Page', page, [200, 0]),
				sync(`${subId}-s`, [400, 0]),
				node(`${subId}-n`, 'Metrics', 'n8n-nodes-base.noOp', 1, [600, 100], {}),
			],
			{
				'Read Page': link(SYNC_NODE),
				[SYNC_NODE]: { main: [[], [{ node: 'Metrics', type: 'main', index: 0 }]] },
			},
		),
		called(
			[
				codeNode(`${id}-p`, 'Pages', pages, [200, 0]),
				executeWorkflowNode(`${id}-x`, subId, 'each', [400, 0]),
			],
			{ Pages: link('Execute Workflow') },
		),
	];
}

/** The most entries whose arrival `t` lies within any 1,000 ms (a window (t − 1000, t] as the emulator counts). */
function mostInAnySecond(entries) {
	const times = entries.map((e) => e.t).sort((a, b) => a - b);
	let most = 0;
	let from = 0;
	for (let to = 0; to < times.length; to++) {
		while (times[from] <= times[to] - 1000) from++;
		most = Math.max(most, to - from + 1);
	}
	return most;
}

const loadAverage = () => os.loadavg().map((l) => Number(l.toFixed(2)));

class LargeListsBench extends ShapesBench {
	/** A fresh n8n with the row's saving settings, the credential and the row's workflows published. */
	async setUpRow(emulatorUrl, row, k) {
		await this.setUp(emulatorUrl, {
			env: SAVING_ENV[row.saving],
			credentialId: 'benchLargeCred01',
			credentialName: 'Pinterest (bench emulator, large lists)',
		});
		const { listId, audienceId } = await this.newAudience(`Large lists ${row.name} ${k}`);
		const warm = await this.newAudience(`Large lists warm-up ${k}`);
		const sync = (audience) => (nodeId, position) =>
			syncNode(nodeId, this.wf, this.credential, this.demo.adAccountId, audience, {}, position);
		const id = `benchLarge${String(k).padStart(3, '0')}Run`;
		const warmId = `benchLargeW${String(k).padStart(2, '0')}Run`;
		const prefix = `large-${k}-${Date.now()}-`;
		const workflows =
			row.shape === 'sideBySide'
				? [
						this.wf.largeListWorkflow({
							id,
							path: id,
							total: USERS,
							pages: SIDE_BY_SIDE_PAGES,
							prefix,
							credential: this.credential,
							adAccountId: this.demo.adAccountId,
							audience: {
								audienceMode: 'existing',
								audience: { __rl: true, mode: 'id', value: audienceId.toString() },
							},
						}),
					]
				: rowWorkflows({ ...row, prefix }, { id, sync: sync(audienceId.toString()) });
		const warmUp = rowWorkflows(
			{ shape: 'one', name: 'warm-up', prefix: `warm-${k}-` },
			{ id: warmId, sync: sync(warm.audienceId.toString()) },
		);
		// The warm-up makes one user, not a million.
		warmUp[0].nodes[1].parameters.jsCode = usersCode(1, `warm-${k}-`);
		await this.instance.importWorkflow([...warmUp, ...workflows]);
		await this.publish([...warmUp, ...workflows]);
		await this.instance.startServer();
		this.owner = await this.instance.setupOwner();
		return { id, warmId, listId, prefix, workflows };
	}

	/** Waits until the list accepted every user, or no write arrived for WRITES_SETTLED_MS. */
	async writesSettled(listId, since) {
		const deadline = Date.now() + CALL_TIMEOUT_MS;
		let accepted = 0;
		let lastWriteAt = Date.now();
		while (
			accepted < USERS &&
			Date.now() < deadline &&
			Date.now() - lastWriteAt < WRITES_SETTLED_MS
		) {
			await new Promise((resolve) => setTimeout(resolve, 2000));
			const entries = await logSince(this.emulatorUrl, since);
			const records = entries
				.filter(
					(e) =>
						e.method === 'PATCH' &&
						e.path.endsWith(`/customer_lists/${listId}`) &&
						e.status >= 200 &&
						e.status < 300,
				)
				.reduce((n, e) => n + e.recordCount, 0);
			if (records > accepted) lastWriteAt = Date.now();
			accepted = records;
		}
	}

	/** Executions n8n kept, by workflow and status. */
	async keptExecutions() {
		const res = await this.lib.httpJson(
			'GET',
			`${this.instance.baseUrl}/rest/executions?limit=200`,
			undefined,
			{ cookie: this.owner.cookie },
		);
		const results = res.body?.data?.results ?? res.body?.data ?? [];
		const kept = {};
		for (const e of Array.isArray(results) ? results : []) {
			const key = `${e.workflowId}:${e.status}`;
			kept[key] = (kept[key] ?? 0) + 1;
		}
		return kept;
	}

	/** n8n's own error lines in its log (first few distinct). */
	errorLines() {
		const text = fs.existsSync(this.instance.logPath)
			? fs.readFileSync(this.instance.logPath, 'utf8')
			: '';
		const lines = text
			.split('\n')
			.filter((l) => /RangeError|heap out of memory|Invalid string length|Error:|problem/i.test(l))
			.map((l) => l.trim().slice(0, 300));
		return [...new Set(lines)].slice(0, 4);
	}

	async runRow(row, k) {
		const loadBefore = loadAverage();
		const p = await this.setUpRow(this.emulatorUrl, row, k);
		const warm = await this.call({ row: { users: 0 }, id: p.warmId, prefix: '' });
		if (warm.status !== 200) throw new Error(`the warm-up call answered ${warm.status}`);
		const since = await lastLogSeq(this.emulatorUrl);
		const answer = await this.call({ row: { users: 0 }, id: p.id, prefix: '' }, CALL_TIMEOUT_MS);
		// The template answers at once; its pages sync in executions of their own.
		if (row.shape === 'sideBySide') await this.writesSettled(p.listId, since);
		const pgid = this.instance.serverPid();
		const peaks = pgid ? groupPeaks(pgid) : [];
		const entries = await logSince(this.emulatorUrl, since);
		const writes = entries.filter(
			(e) => e.method === 'PATCH' && e.path.endsWith(`/customer_lists/${p.listId}`),
		);
		const accepted = writes.filter((e) => e.status >= 200 && e.status < 300);
		const held = new Set(
			(
				await emulatorJson(
					'GET',
					`${this.emulatorUrl}/_emulator/ad_accounts/${this.demo.adAccountId}/customer_lists/${p.listId}/records`,
				)
			).records,
		);
		let inList = 0;
		for (let i = 0; i < USERS; i++)
			if (held.has(this.wf.hashEmail(`${p.prefix}${i}@example.com`))) inList++;
		const kept = pgid ? await this.keptExecutions().catch(() => ({})) : {};
		const main = peaks.find((x) => x.pid === pgid);
		const runners = peaks.filter((x) => x.pid !== pgid);
		const lastInList = accepted.length
			? Math.max(...accepted.map((e) => e.t + e.durationMs))
			: undefined;
		const firstWrite = writes.length ? Math.min(...writes.map((e) => e.t)) : undefined;
		return {
			kind: 'largeList',
			...row,
			users: USERS,
			answer: answer.status,
			alive: pgid !== undefined,
			errors: answer.status === 200 ? [] : this.errorLines(),
			kept,
			wallMs: answer.answeredAt - answer.calledAt,
			inList,
			writes: accepted.length,
			rateLimited: writes.filter((e) => e.status === 429).length,
			mostWritesInASecond: mostInAnySecond(writes),
			mostAcceptedInASecond: mostInAnySecond(accepted),
			firstWriteAfterMs: firstWrite === undefined ? undefined : firstWrite - answer.calledAt,
			inListAfterMs: lastInList === undefined ? undefined : lastInList - answer.calledAt,
			writingMs: lastInList === undefined ? undefined : lastInList - firstWrite,
			n8nPeakRss: main?.peakRss,
			runnerPeakRss: runners.length ? Math.max(...runners.map((x) => x.peakRss)) : undefined,
			loadBefore,
			loadAfter: loadAverage(),
			// For the JSON output only: each write's arrival after the call, status and time to its answer.
			timeline: writes.map((e) => [
				Math.round(e.t - answer.calledAt),
				e.status,
				Math.round(e.durationMs),
			]),
		};
	}
}

/** Every row in a fresh n8n 2.8.4; `only` picks rows by index (all by default). */
async function runLargeLists(n8nLib, wf, emulatorUrl, { log, rows = ROWS }) {
	const results = [];
	let k = 0;
	for (const row of rows) {
		k++;
		const bench = new LargeListsBench(n8nLib, wf, log);
		bench.emulatorUrl = emulatorUrl;
		log(`  large lists: ${row.name}, ${USERS.toLocaleString('en-US')} users, saving ${row.saving}`);
		try {
			const r = await bench.runRow(row, k);
			results.push(r);
			log(
				`    answered ${r.answer} after ${(r.wallMs / 1000).toFixed(1)} s; ${r.inList} in the list after ${((r.inListAfterMs ?? 0) / 1000).toFixed(1)} s; ${r.writes} writes, ${r.rateLimited} × 429, at most ${r.mostWritesInASecond} writes in a second; n8n peak RSS ${Math.round((r.n8nPeakRss ?? 0) / 2 ** 20)} MB, runner ${Math.round((r.runnerPeakRss ?? 0) / 2 ** 20)} MB; kept ${JSON.stringify(r.kept)}; load ${r.loadBefore.join('/')} → ${r.loadAfter.join('/')}${r.errors.length ? `; errors: ${r.errors.join(' | ')}` : ''}`,
			);
		} catch (error) {
			results.push({
				kind: 'largeList',
				...row,
				users: USERS,
				failedToRun: error.message.split('\n')[0],
			});
			log(`    failed: ${error.message}`);
		} finally {
			await bench.cleanUp().catch(() => undefined);
		}
	}
	return results;
}

module.exports = { runLargeLists, mostInAnySecond, ROWS, CEILING, USERS };
