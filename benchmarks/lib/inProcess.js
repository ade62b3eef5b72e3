'use strict';
/**
 * Runs the compiled node (build/, the repository's tsc tree) in this process through its execute
 * path, with the test suite's stand-in for n8n's execution context (test/helpers/n8nContext.ts:
 * real HTTP, n8n 2.8's OAuth2 refresh). The helper is TypeScript; it is transpiled here in memory with the project's own
 * TypeScript compiler (no ts-node, nothing written to disk), so the bench and the tests share it.
 */
const fs = require('node:fs');
const Module = require('node:module');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const BUILD = path.join(REPO_ROOT, 'build');

function requireTypeScript(file) {
	const ts = require('typescript');
	const source = fs.readFileSync(file, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: file,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2020,
			esModuleInterop: true,
		},
	});
	const mod = new Module(file, module);
	mod.filename = file;
	mod.paths = Module._nodeModulePaths(path.dirname(file));
	mod._compile(outputText, file);
	return mod.exports;
}

function requireBuilt(relative) {
	const file = path.join(BUILD, relative);
	if (!fs.existsSync(file))
		throw new Error(`${file} is missing: run "npm run build" (npm run bench does) first.`);
	return require(file);
}

const { createExecuteContext } = requireTypeScript(
	path.join(REPO_ROOT, 'test', 'helpers', 'n8nContext.ts'),
);
const { PinterestAudienceSync } = requireBuilt(
	'nodes/PinterestAudienceSync/PinterestAudienceSync.node.js',
);

/** The emulator's demo user as an n8n credential (Custom Base URL). */
function credentialFor(emulatorUrl, demo) {
	return {
		environment: 'custom',
		customBaseUrl: emulatorUrl,
		clientId: demo.clientId,
		clientSecret: demo.clientSecret,
		oauthTokenData: {
			access_token: demo.accessToken,
			refresh_token: demo.refreshToken,
			token_type: 'bearer',
			expires_in: 2_592_000,
		},
	};
}

function syncParameters(adAccountId, audience, options = {}) {
	return {
		operation: 'syncUsers',
		adAccount: { __rl: true, mode: 'id', value: adAccountId },
		...(audience.id
			? { audienceMode: 'existing', audience: { __rl: true, mode: 'id', value: audience.id } }
			: { audienceMode: 'createNew', audienceName: audience.name }),
		action: 'add',
		matchFields: ['email'],
		emailValue: '={{ $json.email }}',
		options,
	};
}

/** n8n keeps one instance of a node type per process and calls execute() on it for every execution. */
const node = new PinterestAudienceSync();

/** One execution of the node, as n8n would run it: returns [Users, Metrics]. */
async function executeNode({
	credential,
	credentialId = 'bench-credential',
	parameters,
	items,
	cancelSignal,
}) {
	const context = createExecuteContext({
		credential,
		credentialId,
		parameters,
		items,
		cancelSignal,
	});
	return await node.execute.call(context);
}

module.exports = {
	REPO_ROOT,
	BUILD,
	requireBuilt,
	requireTypeScript,
	createExecuteContext,
	PinterestAudienceSync,
	credentialFor,
	syncParameters,
	executeNode,
};
