'use strict';
/**
 * Workflow shapes in real n8n: how n8n users build a sync, each run with `n8n execute` against the emulator,
 * with the node's default options beside Flush Window 0 (coalescing off), which is what "sent at once" costs.
 *
 * - Loop Over Items (batches of 500) → Pinterest Audience Sync → back to the loop: one execution, the node
 *   runs once per batch, one after the other.
 * - Loop Over Items (500) → Execute Workflow (a sub-workflow: Execute Workflow Trigger → Pinterest Audience
 *   Sync), waiting for it: each batch is an execution of its own, one after the other.
 * - A lone execution in a running n8n (`n8n start`): a webhook call carrying the users → Split Out →
 *   Pinterest Audience Sync, after a quiet spell, nothing else running; timed from the call.
 *
 * Every row writes to an audience of its own (Existing Audience by ID, made up front through the emulator's
 * API, as its user would have), so the list tells which users arrived and when.
 */
const { randomUUID } = require('node:crypto');
const http = require('node:http');

const { emulatorJson, lastLogSeq, logSince } = require('./emulatorAdmin');

const SYNC_NODE = 'Pinterest Audience Sync';
const SUB_NODE = 'Execute Workflow';
const BATCH = 500;

/** The rows: shape, users, and for loops the batch size. Quick runs keep the small ones. */
function shapeRows({ quick, large }) {
	const rows = [
		{ shape: 'loop', users: 5000, batch: BATCH },
		{ shape: 'subWorkflow', users: 5000, batch: BATCH },
		{ shape: 'lone', users: 1 },
		{ shape: 'lone', users: 10 },
		{ shape: 'lone', users: 1000 },
	];
	if (large && !quick) rows.push({ shape: 'loop', users: 100_000, batch: BATCH });
	return rows;
}

const SHAPE_NAMES = {
	loop: (r) => `Loop Over Items ${r.batch} × ${r.users / r.batch}`,
	subWorkflow: (r) =>
		`Execute Workflow per batch of ${r.batch} (${r.users / r.batch} sub-workflows)`,
	lone: () => 'lone webhook call',
};
const shapeName = (r) => SHAPE_NAMES[r.shape](r);

function node(id, name, type, typeVersion, position, parameters, extra = {}) {
	return { id, name, type, typeVersion, position, parameters, ...extra };
}

function usersCode(users, prefix) {
	return `return Array.from({ length: ${users} }, (_, i) => ({ json: { email: '${prefix}' + i + '@example.com' } }));`;
}

function syncNode(id, wf, credential, adAccountId, audienceId, options, position) {
	return node(
		id,
		SYNC_NODE,
		wf.CUSTOM_NODE_TYPE,
		1,
		position,
		{
			operation: 'syncUsers',
			adAccount: { __rl: true, mode: 'id', value: adAccountId },
			audienceMode: 'existing',
			audience: { __rl: true, mode: 'id', value: audienceId },
			action: 'add',
			matchFields: ['email'],
			emailValue: '={{ $json.email }}',
			options,
		},
		{ credentials: { [wf.CREDENTIAL_TYPE]: { id: credential.id, name: credential.name } } },
	);
}

/** A sub-workflow's first node: Execute Workflow Trigger (accepting all data). */
function triggerNode(subId) {
	return node(
		`${subId}-t`,
		'Execute Workflow Trigger',
		'n8n-nodes-base.executeWorkflowTrigger',
		1,
		[0, 0],
		{},
	);
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const link = (to, index = 0) => ({ main: [[{ node: to, type: 'main', index }]] });

/** The workflows of one row (the sub-workflow first, when there is one); the first id is the one to run. */
function rowWorkflows(row, { id, wf, credential, adAccountId, audienceId, options, prefix }) {
	const trigger = node(`${id}-t`, 'Manual Trigger', 'n8n-nodes-base.manualTrigger', 1, [0, 0], {});
	const users = node(`${id}-u`, 'Users', 'n8n-nodes-base.code', 2, [200, 0], {
		jsCode: usersCode(row.users, prefix),
	});
	const base = { active: false, settings: { executionOrder: 'v1' } };
	if (row.shape === 'lone') {
		// The call's body carries the users; n8n answers when the execution ends.
		const webhookId = randomUUID();
		return [
			{
				...base,
				id,
				name: `Shapes: ${shapeName(row)} of ${row.users}`,
				nodes: [
					node(
						`${id}-w`,
						'Webhook',
						'n8n-nodes-base.webhook',
						2,
						[0, 0],
						{ httpMethod: 'POST', path: id, responseMode: 'lastNode', options: {} },
						{ webhookId },
					),
					node(`${id}-o`, 'Split Out', 'n8n-nodes-base.splitOut', 1, [200, 0], {
						fieldToSplitOut: 'body.users',
						include: 'noOtherFields',
						options: {},
					}),
					syncNode(`${id}-s`, wf, credential, adAccountId, audienceId, options, [400, 0]),
				],
				connections: { Webhook: link('Split Out'), 'Split Out': link(SYNC_NODE) },
			},
		];
	}
	const loop = node(`${id}-l`, 'Loop Over Items', 'n8n-nodes-base.splitInBatches', 3, [400, 0], {
		batchSize: row.batch,
		options: {},
	});
	const loopConnections = {
		'Manual Trigger': link('Users'),
		Users: link('Loop Over Items'),
	};
	if (row.shape === 'loop') {
		return [
			{
				...base,
				id,
				name: `Shapes: ${shapeName(row)}`,
				nodes: [
					trigger,
					users,
					loop,
					syncNode(`${id}-s`, wf, credential, adAccountId, audienceId, options, [600, 100]),
				],
				connections: {
					...loopConnections,
					'Loop Over Items': { main: [[], [{ node: SYNC_NODE, type: 'main', index: 0 }]] },
					[SYNC_NODE]: link('Loop Over Items'),
				},
			},
		];
	}
	const subId = `${id.slice(0, -3)}Sub`;
	const sub = {
		...base,
		id: subId,
		name: `Shapes: sub-workflow of ${id}`,
		nodes: [
			triggerNode(subId),
			syncNode(`${subId}-s`, wf, credential, adAccountId, audienceId, options, [200, 0]),
		],
		connections: { 'Execute Workflow Trigger': link(SYNC_NODE) },
	};
	const call = node(`${id}-x`, SUB_NODE, 'n8n-nodes-base.executeWorkflow', 1.1, [600, 100], {
		source: 'database',
		workflowId: { __rl: true, mode: 'id', value: subId },
		mode: 'once',
		options: { waitForSubWorkflow: true },
	});
	return [
		sub,
		{
			...base,
			id,
			name: `Shapes: ${shapeName(row)}`,
			nodes: [trigger, users, loop, call],
			connections: {
				...loopConnections,
				'Loop Over Items': { main: [[], [{ node: SUB_NODE, type: 'main', index: 0 }]] },
				[SUB_NODE]: link('Loop Over Items'),
			},
		},
	];
}

/** Sum of a node's run times in an n8n run (every round of a loop), and its first start. */
function nodeTimes(run, name) {
	const runs = run?.data?.resultData?.runData?.[name] ?? [];
	return {
		ms: runs.reduce((n, r) => n + (r.executionTime ?? 0), 0),
		runs: runs.length,
		firstStart: runs[0]?.startTime,
	};
}

class ShapesBench {
	/** @param n8nLib scripts/lib/n8n.js; @param wf scripts/lib/workflows.js */
	constructor(n8nLib, wf, log) {
		this.lib = n8nLib;
		this.wf = wf;
		this.log = log;
		this.instance = null;
		this.counter = 0;
	}

	/** A fresh n8n 2.8.4 (with `env` added to its environment) and the emulator's credential imported. */
	async setUp(
		emulatorUrl,
		{
			env = {},
			credentialId = 'benchShapesCred1',
			credentialName = 'Pinterest (bench emulator, shapes)',
		} = {},
	) {
		this.emulatorUrl = emulatorUrl;
		this.demo = await emulatorJson('GET', `${emulatorUrl}/_emulator/demo`);
		this.instance = await this.lib.createN8nInstance({
			version: '2.8.4',
			onProgress: this.log,
			env,
		});
		this.credential = this.wf.emulatorCredential({
			id: credentialId,
			name: credentialName,
			baseUrl: emulatorUrl,
			clientId: this.demo.clientId,
			clientSecret: this.demo.clientSecret,
			accessToken: this.demo.accessToken,
			refreshToken: this.demo.refreshToken,
		});
		await this.instance.importCredentials([this.credential]);
	}

	/** A customer list with one seed user and its CUSTOMER_LIST audience, made as its user would have. */
	async newAudience(name) {
		const headers = { authorization: `Bearer ${this.demo.accessToken}` };
		const base = `${this.emulatorUrl}/v5/ad_accounts/${this.demo.adAccountId}`;
		const list = await emulatorJson(
			'POST',
			`${base}/customer_lists`,
			{ name, records: this.wf.hashEmail(`seed-${name}@example.com`), list_type: 'EMAIL' },
			headers,
		);
		const audience = await emulatorJson(
			'POST',
			`${base}/audiences`,
			{ name, audience_type: 'CUSTOMER_LIST', rule: { customer_list_id: list.id } },
			headers,
		);
		return { listId: list.id, audienceId: audience.id };
	}

	/** Imports (and publishes where needed) one row's workflows, with an audience of its own. */
	async prepare(row, flushWindowSeconds) {
		const k = ++this.counter;
		const id = `benchShape${String(k).padStart(3, '0')}Run`;
		const label = `${shapeName(row)} ${row.users} fw${flushWindowSeconds ?? 'default'} ${k}`;
		const { listId, audienceId } = await this.newAudience(`Shapes ${label}`);
		const options = flushWindowSeconds === undefined ? {} : { flushWindowSeconds };
		const prefix = `shape-${k}-`;
		const workflows = rowWorkflows(row, {
			id,
			wf: this.wf,
			credential: this.credential,
			adAccountId: this.demo.adAccountId,
			audienceId,
			options,
			prefix,
		});
		await this.instance.importWorkflow(workflows);
		// n8n 2 calls a sub-workflow's published version, and serves a published workflow's webhook.
		await this.publish(row.shape === 'lone' ? workflows : workflows.slice(0, -1));
		return { row, flushWindowSeconds, id, listId, prefix };
	}

	async publish(workflows) {
		for (const workflow of workflows) {
			const published = await this.instance.cli(['publish:workflow', `--id=${workflow.id}`]);
			if (published.code !== 0)
				throw new Error(
					`publish:workflow failed: ${(published.stdout + published.stderr).slice(-500)}`,
				);
		}
	}

	/** What the emulator saw of a row since `since`: its writes, its users in the list, when the last arrived. */
	async outcome({ row, flushWindowSeconds, listId, prefix }, since) {
		const entries = await logSince(this.emulatorUrl, since);
		const writes = entries.filter(
			(e) => e.method === 'PATCH' && e.path.endsWith(`/customer_lists/${listId}`),
		);
		const accepted = writes.filter((e) => e.status >= 200 && e.status < 300);
		const held = new Set(
			(
				await emulatorJson(
					'GET',
					`${this.emulatorUrl}/_emulator/ad_accounts/${this.demo.adAccountId}/customer_lists/${listId}/records`,
				)
			).records,
		);
		let inList = 0;
		for (let i = 0; i < row.users; i++)
			if (held.has(this.wf.hashEmail(`${prefix}${i}@example.com`))) inList++;
		return {
			kind: 'shape',
			...row,
			name: shapeName(row),
			flushWindow: flushWindowSeconds === undefined ? 'default (5 s)' : `${flushWindowSeconds} s`,
			writes: accepted.length,
			rateLimited: writes.filter((e) => e.status === 429).length,
			inList,
			lastInList: accepted.length
				? Math.max(...accepted.map((e) => e.t + e.durationMs))
				: undefined,
		};
	}

	/** A loop shape: one `n8n execute` of the row's workflow. */
	async run(row, flushWindowSeconds) {
		const prepared = await this.prepare(row, flushWindowSeconds);
		const since = await lastLogSeq(this.emulatorUrl);
		const result = await this.instance.execute(prepared.id, { timeoutMs: 20 * 60_000 });
		const seen = await this.outcome(prepared, since);
		const run = result.run;
		const ok = result.exitCode === 0 && run?.status === 'success';
		const startedAt = run ? Date.parse(run.startedAt) : undefined;
		const timed = nodeTimes(run, row.shape === 'subWorkflow' ? SUB_NODE : SYNC_NODE);
		return {
			...seen,
			ok,
			error: ok
				? undefined
				: (run?.data?.resultData?.error?.message ??
					result.stderr.trim().split('\n').slice(-3).join(' | ')),
			executionMs: run && run.stoppedAt ? Date.parse(run.stoppedAt) - startedAt : undefined,
			nodeMs: timed.ms,
			nodeRuns: timed.runs,
			wallMs: result.durationMs,
			// From the execution's start until the last of its users was in the list.
			inListAfterMs:
				seen.lastInList !== undefined && startedAt !== undefined
					? seen.lastInList - startedAt
					: undefined,
		};
	}

	/**
	 * The lone calls, in a running n8n: all their workflows published, the server started, one warm-up call
	 * (the Pinterest user and token, as in an n8n that has been running), then each call after a quiet spell
	 * longer than a flush window, timed from the call to its last user in the list.
	 */
	async runLone(rows, log) {
		const warmUp = await this.prepare({ shape: 'lone', users: 1 }, 0);
		const prepared = [];
		for (const { row, flushWindowSeconds } of rows)
			prepared.push(await this.prepare(row, flushWindowSeconds));
		await this.instance.startServer();
		await this.call(warmUp);
		const results = [];
		for (const p of prepared) {
			await sleep(6000);
			log(
				`  shapes: ${shapeName(p.row)}, ${p.row.users} users, flush window ${p.flushWindowSeconds ?? 'default'}`,
			);
			const since = await lastLogSeq(this.emulatorUrl);
			const answer = await this.call(p);
			const seen = await this.outcome(p, since);
			const ok = answer.status >= 200 && answer.status < 300;
			const r = {
				...seen,
				ok,
				error: ok ? undefined : `the webhook answered ${answer.status}`,
				executionMs: answer.answeredAt - answer.calledAt,
				nodeMs: undefined,
				nodeRuns: 1,
				inListAfterMs:
					seen.lastInList !== undefined ? seen.lastInList - answer.calledAt : undefined,
			};
			results.push(r);
			log(
				`    answered after ${(r.executionMs / 1000).toFixed(2)} s, ${r.writes} writes, ${r.inList} of ${r.users} in the list, last after ${(r.inListAfterMs / 1000).toFixed(2)} s`,
			);
		}
		return results;
	}

	/** POSTs a lone row's users to its webhook; resolves with the status and the wall-clock call and answer times. */
	call({ row, id, prefix }, timeoutMs = 120_000) {
		const body = JSON.stringify({
			users: Array.from({ length: row.users }, (_, i) => ({ email: `${prefix}${i}@example.com` })),
		});
		return new Promise((resolve) => {
			const calledAt = Date.now();
			const req = http.request(
				`${this.instance.baseUrl}/webhook/${id}`,
				{
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						'content-length': Buffer.byteLength(body),
					},
					timeout: timeoutMs,
				},
				(res) => {
					res.resume();
					res.on('end', () =>
						resolve({ status: res.statusCode, calledAt, answeredAt: Date.now() }),
					);
				},
			);
			req.on('timeout', () => req.destroy(new Error('timeout')));
			req.on('error', () => resolve({ status: 0, calledAt, answeredAt: Date.now() }));
			req.end(body);
		});
	}

	async cleanUp() {
		if (this.instance) await this.instance.cleanup();
	}
}

/** Runs of one row and setting as one: times averaged (each run's node time kept), the worst of the rest. */
function meanOf(runs) {
	const failed = runs.find((r) => !r.ok);
	if (failed) return failed;
	const mean = (field) => runs.reduce((n, r) => n + r[field], 0) / runs.length;
	return {
		...runs[0],
		executionMs: mean('executionMs'),
		nodeMs: mean('nodeMs'),
		nodeMsEach: runs.map((r) => r.nodeMs),
		inListAfterMs: mean('inListAfterMs'),
		writes: Math.max(...runs.map((r) => r.writes)),
		rateLimited: Math.max(...runs.map((r) => r.rateLimited)),
		inList: Math.min(...runs.map((r) => r.inList)),
	};
}

/** Every row with the default options and with Flush Window 0. */
async function runShapes(n8nLib, wf, emulatorUrl, { quick, large, log }) {
	const bench = new ShapesBench(n8nLib, wf, log);
	const results = [];
	try {
		await bench.setUp(emulatorUrl);
		const rows = shapeRows({ quick, large });
		for (const row of rows.filter((r) => r.shape !== 'lone')) {
			// On a shared machine the load drifts between runs: the 5,000-user rows run twice in the order
			// default, 0, 0, default, and each setting's mean is reported.
			const order = row.users <= 10_000 && !quick ? [undefined, 0, 0, undefined] : [undefined, 0];
			const runs = new Map();
			for (const flushWindowSeconds of order) {
				log(
					`  shapes: ${shapeName(row)}, ${row.users} users, flush window ${flushWindowSeconds ?? 'default'}`,
				);
				let r;
				try {
					r = await bench.run(row, flushWindowSeconds);
					log(
						`    ${r.ok ? `execution ${(r.executionMs / 1000).toFixed(2)} s, node ${(r.nodeMs / 1000).toFixed(2)} s over ${r.nodeRuns} runs, ${r.writes} writes, ${r.inList} of ${r.users} in the list, last after ${(r.inListAfterMs / 1000).toFixed(2)} s` : `failed: ${r.error}`}`,
					);
				} catch (error) {
					r = {
						kind: 'shape',
						...row,
						name: shapeName(row),
						flushWindow: flushWindowSeconds === undefined ? 'default (5 s)' : '0 s',
						ok: false,
						error: error.message.split('\n')[0],
					};
					log(`    failed: ${error.message}`);
				}
				runs.set(flushWindowSeconds, [...(runs.get(flushWindowSeconds) ?? []), r]);
			}
			for (const same of runs.values()) results.push(meanOf(same));
		}
		const lone = rows
			.filter((r) => r.shape === 'lone')
			.flatMap((row) => [undefined, 0].map((flushWindowSeconds) => ({ row, flushWindowSeconds })));
		try {
			results.push(...(await bench.runLone(lone, log)));
		} catch (error) {
			results.push({
				kind: 'shape',
				shape: 'lone',
				users: 0,
				name: 'lone webhook calls',
				flushWindow: '–',
				ok: false,
				error: error.message.split('\n')[0],
			});
			log(`    lone calls failed: ${error.message}`);
		}
	} finally {
		await bench.cleanUp().catch(() => undefined);
	}
	return results;
}

module.exports = {
	runShapes,
	shapeRows,
	ShapesBench,
	SYNC_NODE,
	node,
	syncNode,
	triggerNode,
	link,
	usersCode,
};
