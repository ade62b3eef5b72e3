'use strict';
/**
 * Streaming through a live n8n: one webhook call per user, as a sign-up form or a CRM would send them,
 * into a running `n8n start` (regular mode, SQLite, defaults). Ours: Webhook → Pinterest Audience Sync
 * (its executions coalesce in the n8n process). Do-it-yourself: Webhook → Code (SHA-256) → HTTP Request
 * PATCH with n8n's Retry On Fail. Both webhooks answer when their execution ends, so every call says
 * whether its execution succeeded; the emulator's list says which users arrived.
 */
const http = require('node:http');
const os = require('node:os');
const { performance } = require('node:perf_hooks');

const { emulatorJson, lastLogSeq, logSince } = require('./emulatorAdmin');
const { groupCpuSeconds } = require('./processGroup');
const { percentile } = require('./stats');

const PATHS = { ours: 'bench-live-ours', diy: 'bench-live-diy', n8nAlone: 'bench-live-noop' };
const OURS_AUDIENCE = 'Bench live ours';
/** The seeded list the do-it-yourself flow writes to (its user would have made one beforehand). */
const DIY_LIST = 'Newsletter subscribers';

/** Webhook (answers when its execution ends) → `nodes` one after the other, as `n8n import:workflow` takes it. */
function webhookFlow({ id, name, webhookId, path, nodes }) {
	const chain = [
		{
			id: webhookId,
			name: 'Webhook',
			type: 'n8n-nodes-base.webhook',
			typeVersion: 2,
			position: [0, 0],
			webhookId,
			parameters: { httpMethod: 'POST', path, responseMode: 'lastNode', options: {} },
		},
		...nodes,
	];
	const connections = {};
	for (let i = 0; i + 1 < chain.length; i++)
		connections[chain[i].name] = { main: [[{ node: chain[i + 1].name, type: 'main', index: 0 }]] };
	return { id, name, active: false, settings: { executionOrder: 'v1' }, nodes: chain, connections };
}

function oursWorkflow({ wf, credential, adAccountId }) {
	return webhookFlow({
		id: 'benchLiveOurs001',
		name: 'Live: webhook to Pinterest Audience Sync',
		webhookId: '2f0c1a5e-0b1d-4c6e-9a51-5e3f7b0d1c01',
		path: PATHS.ours,
		nodes: [
			{
				id: 'benchLiveOursSync',
				name: 'Pinterest Audience Sync',
				type: wf.CUSTOM_NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					operation: 'syncUsers',
					adAccount: { __rl: true, mode: 'id', value: adAccountId },
					audienceMode: 'createNew',
					audienceName: OURS_AUDIENCE,
					action: 'add',
					matchFields: ['email'],
					emailValue: '={{ $json.body.email }}',
				},
				credentials: { [wf.CREDENTIAL_TYPE]: { id: credential.id, name: credential.name } },
			},
		],
	});
}

function diyWorkflow({ hashNode, patchNode }) {
	return webhookFlow({
		id: 'benchLiveDiy0001',
		name: 'Live: webhook to HTTP Request (do-it-yourself)',
		webhookId: '2f0c1a5e-0b1d-4c6e-9a51-5e3f7b0d1c02',
		path: PATHS.diy,
		nodes: [hashNode, patchNode],
	});
}

/** n8n's own share of the delay: the same webhook answering after a node that does nothing. */
function n8nAloneWorkflow() {
	return webhookFlow({
		id: 'benchLiveNoop001',
		name: 'Live: webhook to No Operation (n8n alone)',
		webhookId: '2f0c1a5e-0b1d-4c6e-9a51-5e3f7b0d1c03',
		path: PATHS.n8nAlone,
		nodes: [
			{
				id: 'benchLiveNoopNode',
				name: 'No Operation',
				type: 'n8n-nodes-base.noOp',
				typeVersion: 1,
				position: [220, 0],
				parameters: {},
			},
		],
	});
}

function post(agent, url, body) {
	return new Promise((resolve) => {
		const data = JSON.stringify(body);
		const req = http.request(
			url,
			{
				method: 'POST',
				agent,
				headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
				timeout: 180_000,
			},
			(res) => {
				// A failed execution's answer says why (n8n's error message); a successful one is not kept.
				const ok = res.statusCode >= 200 && res.statusCode < 300;
				let text = '';
				res.setEncoding('utf8');
				res.on('data', (chunk) => {
					if (!ok && text.length < 2000) text += chunk;
				});
				res.on('end', () => resolve({ status: res.statusCode, text }));
			},
		);
		req.on('timeout', () => req.destroy(new Error('timeout')));
		req.on('error', (error) => resolve({ status: 0, text: error.message }));
		req.end(data);
	});
}

function countBy(values) {
	const counts = {};
	for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
	return counts;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

class LiveStreamingBench {
	/** @param n8nLib scripts/lib/n8n.js; @param wf scripts/lib/workflows.js; @param diyNodes builds the DIY flow's Code and HTTP nodes */
	constructor(n8nLib, wf, diyNodes, log) {
		this.lib = n8nLib;
		this.wf = wf;
		this.diyNodes = diyNodes;
		this.log = log;
		this.instance = null;
	}

	/** A fresh n8n with both webhook workflows published, serving. The emulator keeps its port and seed across latencies. */
	async start(emulatorUrl, version = '2.8.4') {
		const demo = await emulatorJson('GET', `${emulatorUrl}/_emulator/demo`);
		this.demo = demo;
		this.instance = await this.lib.createN8nInstance({
			version,
			env: { NODE_FUNCTION_ALLOW_BUILTIN: 'crypto' },
			onProgress: this.log,
		});
		const credential = this.wf.emulatorCredential({
			id: 'benchLiveCred001',
			name: 'Pinterest (bench emulator, live)',
			baseUrl: emulatorUrl,
			clientId: demo.clientId,
			clientSecret: demo.clientSecret,
			accessToken: demo.accessToken,
			refreshToken: demo.refreshToken,
		});
		await this.instance.importCredentials([credential]);
		const diyList = await this.listNamed(emulatorUrl, DIY_LIST);
		const url = `${emulatorUrl}/v5/ad_accounts/${demo.adAccountId}/customer_lists/${diyList.id}`;
		const workflows = [
			oursWorkflow({ wf: this.wf, credential, adAccountId: demo.adAccountId }),
			diyWorkflow(this.diyNodes(url, demo.accessToken)),
			n8nAloneWorkflow(),
		];
		await this.instance.importWorkflow(workflows);
		for (const workflow of workflows) {
			const published = await this.instance.cli(['publish:workflow', `--id=${workflow.id}`]);
			if (published.code !== 0)
				throw new Error(
					`publish:workflow ${workflow.id} failed:\n${published.stdout}${published.stderr}`,
				);
		}
		await this.instance.startServer();
	}

	async listNamed(emulatorUrl, name) {
		const { items } = await emulatorJson(
			'GET',
			`${emulatorUrl}/_emulator/ad_accounts/${this.demo.adAccountId}/customer_lists?name=${encodeURIComponent(name)}`,
		);
		return items[0];
	}

	/**
	 * Sends `rate` users a second for `durationSec` to one flow's webhook ('ours', 'diy', 'n8nAlone') and
	 * waits for every answer. `prefix` makes the users of each run new to the list.
	 */
	async run(emulatorUrl, flow, { rate, durationSec, prefix }) {
		const path = PATHS[flow];
		const since = await lastLogSeq(emulatorUrl);
		const agent = new http.Agent({ keepAlive: true, maxSockets: 1024 });
		const users = rate * durationSec;
		const calls = [];
		const cpuBefore = groupCpuSeconds(this.instance.serverPid());
		const loadBefore = os.loadavg()[0];
		const t0 = performance.now();
		for (let i = 0; i < users; i++) {
			const wait = t0 + (i * 1000) / rate - performance.now();
			if (wait > 1) await sleep(wait);
			const sentAt = performance.now();
			const email = `${prefix}${i}@example.com`;
			calls.push(
				post(agent, `${this.instance.baseUrl}/webhook/${path}`, { email }).then(
					({ status, text }) => ({
						email,
						status,
						text,
						sentAt,
						answeredAt: performance.now(),
					}),
				),
			);
		}
		const lastSentAt = performance.now();
		const answers = await Promise.all(calls);
		const cpuAfter = groupCpuSeconds(this.instance.serverPid());
		agent.destroy();
		const listName = { ours: OURS_AUDIENCE, diy: DIY_LIST }[flow];
		const list = listName ? await this.listNamed(emulatorUrl, listName) : undefined;
		const held = list
			? new Set(
					(
						await emulatorJson(
							'GET',
							`${emulatorUrl}/_emulator/ad_accounts/${this.demo.adAccountId}/customer_lists/${list.id}/records`,
						)
					).records,
				)
			: new Set();
		const inList = listName
			? answers.filter((a) => held.has(this.wf.hashEmail(a.email))).length
			: undefined;
		const writes = (await logSince(emulatorUrl, since)).filter((e) => e.category === 'ads_write');
		const accepted = writes.filter((e) => e.status >= 200 && e.status < 300);
		const delays = answers.map((a) => a.answeredAt - a.sentAt).sort((a, b) => a - b);
		const lastAnsweredAt = Math.max(...answers.map((a) => a.answeredAt));
		return {
			flow,
			users,
			// From the first call to the last answer: what a caller waits for the whole stream.
			spanMs: lastAnsweredAt - t0,
			arrivalPerSec: users / ((lastSentAt - t0) / 1000),
			answeredOk: answers.filter((a) => a.status >= 200 && a.status < 300).length,
			// How the other calls ended (HTTP status; 0: the connection failed or timed out).
			failedAnswers: [
				...new Set(
					answers
						.filter((a) => !(a.status >= 200 && a.status < 300))
						.map((a) => a.text.slice(0, 300)),
				),
			].slice(0, 5),
			failedStatuses: countBy(
				answers.filter((a) => !(a.status >= 200 && a.status < 300)).map((a) => a.status),
			),
			inList,
			writes: accepted.length,
			rateLimited: writes.filter((e) => e.status === 429).length,
			requestsPer1900: (accepted.length * 1900) / users,
			delayMs: { p50: percentile(delays, 50), p99: percentile(delays, 99) },
			drainMs: lastAnsweredAt - lastSentAt,
			// n8n's CPU from the first call to the last answer, per call answered 2xx.
			n8nCpuSeconds: cpuBefore === undefined ? undefined : cpuAfter - cpuBefore,
			load1: loadBefore,
		};
	}

	async stop() {
		if (this.instance) await this.instance.cleanup();
	}
}

module.exports = { LiveStreamingBench };
