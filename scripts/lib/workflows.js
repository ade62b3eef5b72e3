'use strict';
/**
 * Workflow and credential JSON for running the package in a real n8n: the emulator credential, the
 * example templates rewritten for a local (custom-extension) install, trigger swapping for `n8n execute`,
 * and readers for the run JSON that `n8n execute` prints. Shared by the demo, `npm run dev` and the e2e suite.
 */
const crypto = require('node:crypto');
const fs = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const EXAMPLES_DIR = path.join(REPO_ROOT, 'examples');

/** Node type as a community install (Settings → Community nodes) names it; used by the templates. */
const COMMUNITY_NODE_TYPE = 'n8n-nodes-pinterest-audience-sync.pinterestAudienceSync';
/** Node type when n8n loads the compiled node from N8N_CUSTOM_EXTENSIONS. */
const CUSTOM_NODE_TYPE = 'CUSTOM.pinterestAudienceSync';
const CREDENTIAL_TYPE = 'pinterestOAuth2Api';

/** SHA-256 hex of a trimmed, lower-cased email: what the node sends for an email. */
function hashEmail(email) {
	return crypto.createHash('sha256').update(String(email).trim().toLowerCase()).digest('hex');
}

/**
 * A `pinterestOAuth2Api` credential for `n8n import:credentials`, pointing at the emulator
 * (Custom Base URL) with a ready token pair.
 * @param {import('./workflows').EmulatorCredentialOptions} o
 */
function emulatorCredential(o) {
	return {
		id: o.id,
		name: o.name,
		type: CREDENTIAL_TYPE,
		data: {
			environment: 'custom',
			customBaseUrl: new URL(o.baseUrl).origin,
			clientId: o.clientId,
			clientSecret: o.clientSecret,
			oauthTokenData: {
				access_token: o.accessToken,
				refresh_token: o.refreshToken,
				token_type: 'bearer',
				expires_in: o.expiresIn ?? 2_592_000,
				scope: 'ads:read,ads:write,user_accounts:read',
			},
		},
	};
}

/**
 * The credential of the emulator's seeded demo user (its ready token pair), as n8n imports it.
 * @param {{ url: string, demo: { clientId: string, clientSecret: string, accessToken: string, refreshToken: string } }} emu
 * @param {{ id: string, name: string }} o
 */
function demoCredential(emu, o) {
	return emulatorCredential({
		id: o.id,
		name: o.name,
		baseUrl: emu.url,
		clientId: emu.demo.clientId,
		clientSecret: emu.demo.clientSecret,
		accessToken: emu.demo.accessToken,
		refreshToken: emu.demo.refreshToken,
	});
}

/** Name of the Pinterest node in workflows made by syncUsersWorkflow(). */
const SYNC_NODE_NAME = 'Pinterest Audience Sync';

/**
 * Manual Trigger → Code node producing the users → Pinterest Audience Sync (CUSTOM type unless
 * `nodeType` says otherwise), ready for `n8n import:workflow` + `n8n execute`.
 * @param {import('./workflows').SyncUsersWorkflowOptions} o
 */
function syncUsersWorkflow(o) {
	return {
		id: o.id,
		name: o.name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			{
				id: `${o.id}-trigger`,
				name: 'Manual Trigger',
				type: 'n8n-nodes-base.manualTrigger',
				typeVersion: 1,
				position: [0, 0],
				parameters: {},
			},
			{
				id: `${o.id}-users`,
				name: 'Users',
				type: 'n8n-nodes-base.code',
				typeVersion: 2,
				position: [220, 0],
				parameters: { jsCode: o.usersCode },
			},
			{
				id: `${o.id}-sync`,
				name: SYNC_NODE_NAME,
				type: o.nodeType || CUSTOM_NODE_TYPE,
				typeVersion: 1,
				position: [440, 0],
				parameters: {
					operation: 'syncUsers',
					action: 'add',
					matchFields: ['email'],
					emailValue: '={{ $json.email }}',
					...o.parameters,
				},
				credentials: { [CREDENTIAL_TYPE]: { id: o.credential.id, name: o.credential.name } },
				...(o.nodeSettings || {}),
			},
		],
		connections: {
			'Manual Trigger': { main: [[{ node: 'Users', type: 'main', index: 0 }]] },
			Users: { main: [[{ node: SYNC_NODE_NAME, type: 'main', index: 0 }]] },
		},
	};
}

/**
 * The Webhook node of the queue-mode workflows: POST at `webhookPath`, answering with the last node's
 * output once the execution ends.
 * @param {{ id: string, webhookId: string, webhookPath: string }} o
 */
function webhookNode(o) {
	return {
		id: `${o.id}-webhook`,
		name: 'Webhook',
		type: 'n8n-nodes-base.webhook',
		typeVersion: 2,
		position: [0, 0],
		webhookId: o.webhookId,
		parameters: { httpMethod: 'POST', path: o.webhookPath, responseMode: 'lastNode', options: {} },
	};
}

/**
 * Webhook (answers when the execution ends) → Code making `count` users `<prefix><i>@example.com` from
 * the call's body `{ prefix, count, list }` → Pinterest Audience Sync (community node type) into a new
 * audience named `{{ $json.list }}`, whose Metrics output answers the call.
 * @param {import('./workflows').QueueModeWorkflowOptions} o
 */
function queueModeWorkflow(o) {
	const wf = syncUsersWorkflow({
		id: o.id,
		name: o.name,
		credential: o.credential,
		nodeType: COMMUNITY_NODE_TYPE,
		usersCode:
			'const { prefix, count, list } = $input.first().json.body;\nreturn Array.from({ length: count }, (_, i) => ({ json: { email: `${prefix}${i}@example.com`, list } }));',
		parameters: {
			adAccount: byId(o.adAccountId),
			audienceMode: 'createNew',
			audienceName: '={{ $json.list }}',
		},
	});
	wf.nodes[0] = webhookNode(o);
	wf.nodes.push({
		id: `${o.id}-metrics`,
		name: 'Metrics',
		type: 'n8n-nodes-base.noOp',
		typeVersion: 1,
		position: [660, 100],
		parameters: {},
	});
	wf.connections = {
		Webhook: { main: [[{ node: 'Users', type: 'main', index: 0 }]] },
		Users: { main: [[{ node: SYNC_NODE_NAME, type: 'main', index: 0 }]] },
		[SYNC_NODE_NAME]: { main: [[], [{ node: 'Metrics', type: 'main', index: 0 }]] },
	};
	return wf;
}

/**
 * Webhook (answers when the execution ends) → Pinterest Audience Sync (community node type) creating the
 * Actalike audience named by the call's body `{ name }` from the seed audience `seedAudienceId` (US, 5 %).
 * @param {import('./workflows').ActalikeWorkflowOptions} o
 */
function actalikeWorkflow(o) {
	return {
		id: o.id,
		name: o.name,
		active: false,
		settings: { executionOrder: 'v1' },
		nodes: [
			webhookNode(o),
			{
				id: `${o.id}-actalike`,
				name: 'Create Actalike',
				type: COMMUNITY_NODE_TYPE,
				typeVersion: 1,
				position: [220, 0],
				parameters: {
					operation: 'createActalike',
					adAccount: byId(o.adAccountId),
					seedAudience: byId(o.seedAudienceId),
					actalikeName: '={{ $json.body.name }}',
					countries: ['US'],
					percentage: 5,
				},
				credentials: { [CREDENTIAL_TYPE]: { id: o.credential.id, name: o.credential.name } },
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'Create Actalike', type: 'main', index: 0 }]] },
		},
	};
}

/** Resource-locator value "By ID". */
function byId(value) {
	return { __rl: true, mode: 'id', value: String(value) };
}

/** Deep copy of a JSON value. */
function clone(value) {
	return JSON.parse(JSON.stringify(value));
}

function isOurNode(node) {
	return node.type === COMMUNITY_NODE_TYPE || node.type === CUSTOM_NODE_TYPE;
}

/**
 * Makes a template runnable in an n8n that loads the node from N8N_CUSTOM_EXTENSIONS: node type
 * rewritten to `CUSTOM.pinterestAudienceSync`, the given credential set on every Pinterest node,
 * optionally a new id/name and ad account.
 * @param {any} workflow
 * @param {import('./workflows').LocalRunOptions} o
 */
function forLocalRun(workflow, o) {
	const wf = clone(workflow);
	if (o.id) wf.id = o.id;
	if (o.name) wf.name = o.name;
	wf.active = false;
	for (const node of wf.nodes) {
		if (!isOurNode(node)) continue;
		node.type = CUSTOM_NODE_TYPE;
		node.credentials = { [CREDENTIAL_TYPE]: { id: o.credential.id, name: o.credential.name } };
		const adAccount = node.parameters.adAccount;
		if (o.adAccountId && (!adAccount || !adAccount.value))
			node.parameters.adAccount = byId(o.adAccountId);
		if (o.parameters && o.parameters[node.name])
			Object.assign(node.parameters, o.parameters[node.name]);
	}
	return wf;
}

/** Nodes that start a workflow and that `n8n execute` cannot start from. */
const SWAPPABLE_TRIGGERS = new Set([
	'n8n-nodes-base.webhook',
	'n8n-nodes-base.scheduleTrigger',
	'n8n-nodes-base.cron',
	'n8n-nodes-base.interval',
]);

/**
 * For `n8n execute`, which starts from a Manual Trigger: each Webhook/Schedule trigger is replaced by a
 * Manual Trigger feeding a Code node that has the trigger's name and emits `items` (what the trigger
 * would have emitted, e.g. `{ body: {...} }` per webhook call), so expressions such as
 * `$('Webhook').item.json.body.email` keep working.
 * @param {any} workflow
 * @param {Record<string, any[]>} [itemsByTrigger] items per trigger name (default: one empty item)
 */
function withManualTrigger(workflow, itemsByTrigger = {}) {
	const wf = clone(workflow);
	const added = [];
	for (const node of wf.nodes) {
		if (!SWAPPABLE_TRIGGERS.has(node.type)) continue;
		const items = itemsByTrigger[node.name] || [{}];
		const manualName = `Manual Trigger (${node.name})`;
		const [x, y] = node.position || [0, 0];
		added.push({
			id: crypto.randomUUID(),
			name: manualName,
			type: 'n8n-nodes-base.manualTrigger',
			typeVersion: 1,
			position: [x - 220, y],
			parameters: {},
		});
		wf.connections[manualName] = { main: [[{ node: node.name, type: 'main', index: 0 }]] };
		node.type = 'n8n-nodes-base.code';
		node.typeVersion = 2;
		node.parameters = { jsCode: `return ${JSON.stringify(items.map((json) => ({ json })))};` };
		delete node.webhookId;
	}
	wf.nodes.push(...added);
	return wf;
}

/**
 * For a test run: every Wait node becomes a No Operation node with the same name, so a template that
 * waits (e.g. a day for Pinterest to build an audience) runs straight through.
 * @param {any} workflow
 */
function withoutWaits(workflow) {
	const wf = clone(workflow);
	for (const node of wf.nodes) {
		if (node.type !== 'n8n-nodes-base.wait') continue;
		node.type = 'n8n-nodes-base.noOp';
		node.typeVersion = 1;
		node.parameters = {};
		delete node.webhookId;
	}
	return wf;
}

/** The large-list template: its pages run side by side as sub-executions, so it needs a running n8n. */
const LARGE_LIST_EXAMPLE = 'large-list-pages-side-by-side';

/**
 * The large-list template made runnable in a running n8n (`n8n start`): its schedule becomes a Webhook
 * (`path`, answering at once, as the schedule does not wait either), `total` users `<prefix><i>@example.com`
 * read in `pages` pages side by side, into the audience `audience` picks (Add Page to Audience's parameters).
 * It calls itself, so it must be published before the call.
 */
function largeListWorkflow({
	id,
	path: webhookPath,
	total,
	pages,
	prefix,
	credential,
	adAccountId,
	audience,
}) {
	const wf = forLocalRun(loadExample(LARGE_LIST_EXAMPLE), {
		id,
		credential,
		adAccountId,
		parameters: { 'Add Page to Audience': audience },
	});
	wf.active = false;
	for (const node of wf.nodes) {
		if (node.type === 'n8n-nodes-base.scheduleTrigger') {
			node.type = 'n8n-nodes-base.webhook';
			node.typeVersion = 2;
			node.parameters = {
				httpMethod: 'POST',
				path: webhookPath,
				responseMode: 'onReceived',
				options: {},
			};
			node.webhookId = `${id}-hook`;
		}
		const code = node.parameters.jsCode;
		if (node.name === 'Pages')
			node.parameters.jsCode = code
				.replace(/const TOTAL = [\d_]+;/, `const TOTAL = ${total};`)
				.replace(/const PAGES = \d+;/, `const PAGES = ${pages};`);
		if (node.name === 'Read Page')
			node.parameters.jsCode = code.replace("'customer-'", `'${prefix}'`);
	}
	return wf;
}

/** Names of the templates in examples/ (file names without .json). */
function exampleNames() {
	return fs
		.readdirSync(EXAMPLES_DIR)
		.filter((f) => f.endsWith('.json'))
		.map((f) => f.slice(0, -5))
		.sort();
}

/** A template from examples/ as parsed JSON. */
function loadExample(name) {
	return JSON.parse(fs.readFileSync(path.join(EXAMPLES_DIR, `${name}.json`), 'utf8'));
}

// ---- reading the run JSON printed by `n8n execute` ----

/** The task data of a node's (last) run, or undefined. */
function nodeRun(run, nodeName) {
	const runs = run && run.data && run.data.resultData && run.data.resultData.runData[nodeName];
	return runs ? runs[runs.length - 1] : undefined;
}

/** Items of one output of a node (as `{ json, pairedItem }` objects); [] if none. */
function nodeOutput(run, nodeName, outputIndex = 0) {
	const task = nodeRun(run, nodeName);
	const main = task && task.data && task.data.main;
	return (main && main[outputIndex]) || [];
}

/** The run's error (resultData.error), or undefined. */
function runError(run) {
	return run && run.data && run.data.resultData ? run.data.resultData.error : undefined;
}

/** The Metrics item (output 1) of a Pinterest Audience Sync node, or undefined. */
function metricsOf(run, nodeName) {
	const items = nodeOutput(run, nodeName, 1);
	return items[0] && items[0].json;
}

module.exports = {
	COMMUNITY_NODE_TYPE,
	CUSTOM_NODE_TYPE,
	CREDENTIAL_TYPE,
	EXAMPLES_DIR,
	hashEmail,
	emulatorCredential,
	demoCredential,
	SYNC_NODE_NAME,
	syncUsersWorkflow,
	queueModeWorkflow,
	actalikeWorkflow,
	byId,
	forLocalRun,
	withManualTrigger,
	withoutWaits,
	exampleNames,
	loadExample,
	LARGE_LIST_EXAMPLE,
	largeListWorkflow,
	nodeRun,
	nodeOutput,
	runError,
	metricsOf,
};
