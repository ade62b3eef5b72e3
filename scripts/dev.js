#!/usr/bin/env node
'use strict';
/**
 * `npm run dev`: the bundled Pinterest API emulator on http://127.0.0.1:8787 and n8n (server mode) on
 * http://127.0.0.1:5678 with this package's node, a ready credential pointing at the emulator, a demo
 * workflow and the templates from examples/. Creates an owner login and stays up until Ctrl-C.
 * The n8n data lives in a temporary folder that is deleted on exit.
 *
 *   EMULATOR_PORT=8787 N8N_PORT=5678 N8N_DEV_VERSION=2.8.4 npm run dev
 */
const path = require('node:path');

const { createN8nInstance, DEFAULT_N8N_VERSION, DEFAULT_OWNER } = require('./lib/n8n');
const {
	byId,
	demoCredential,
	exampleNames,
	forLocalRun,
	loadExample,
	syncUsersWorkflow,
} = require('./lib/workflows');

const VERSION = process.env.N8N_DEV_VERSION || DEFAULT_N8N_VERSION;
const EMULATOR_PORT = Number(process.env.EMULATOR_PORT || 8787);
const N8N_PORT = Number(process.env.N8N_PORT || 5678);

const log = (text) => process.stdout.write(`${text}\n`);

async function main() {
	const { startEmulator } = require(path.join(__dirname, '..', 'build', 'emulator'));
	let emu;
	try {
		emu = await startEmulator({ port: EMULATOR_PORT });
	} catch (error) {
		throw new Error(
			`could not start the emulator on 127.0.0.1:${EMULATOR_PORT} (${error.message}); set EMULATOR_PORT to another port`,
		);
	}
	log(`Pinterest API emulator on ${emu.url}`);

	const n8n = await createN8nInstance({ version: VERSION, port: N8N_PORT, onProgress: log });

	let stopping = false;
	const shutdown = async (signal) => {
		if (stopping) return;
		stopping = true;
		log(`\n${signal}: stopping n8n and the emulator...`);
		await n8n.cleanup().catch(() => undefined);
		await emu.close().catch(() => undefined);
		process.exit(0);
	};
	process.on('SIGINT', () => void shutdown('SIGINT'));
	process.on('SIGTERM', () => void shutdown('SIGTERM'));

	try {
		const credential = demoCredential(emu, {
			id: 'pinDevCred00001',
			name: 'Pinterest (bundled emulator)',
		});
		await n8n.importCredentials([credential]);

		const [prospecting] = emu.findAudiences(emu.demo.adAccountId, 'Newsletter subscribers');
		const workflows = [
			syncUsersWorkflow({
				id: 'pinDevDemo00001',
				name: 'Demo: 5,000 users → new audience (emulator)',
				credential,
				usersCode:
					"return Array.from({ length: 5000 }, (_, i) => ({ json: { email: 'customer' + (i + 1) + '@example.com' } }));",
				parameters: {
					adAccount: byId(emu.demo.adAccountId),
					audienceMode: 'createNew',
					audienceName: 'n8n demo – high value',
					options: { flushWindowSeconds: 0, writeStatus: true },
				},
			}),
			...exampleNames().map((name, i) =>
				forLocalRun(loadExample(name), {
					id: `pinDevExample${String(i + 1).padStart(2, '0')}`,
					credential,
					adAccountId: emu.demo.adAccountId,
					parameters:
						name === 'purchase-webhook-swap-audiences' && prospecting
							? { 'Remove From Prospecting': { audience: byId(prospecting.id) } }
							: undefined,
				}),
			),
		];
		await n8n.importWorkflow(workflows);
		log(`Imported credential "${credential.name}" and ${workflows.length} workflows`);

		log(`Starting n8n ${VERSION} on ${n8n.baseUrl} (data in a temporary folder)...`);
		await n8n.startServer();
		const owner = await n8n.setupOwner(DEFAULT_OWNER);

		log('');
		log(`  n8n editor        ${n8n.baseUrl}/`);
		log(`  login             ${owner.email} / ${owner.password}`);
		log(
			`  workflows         ${workflows.map((w) => `${n8n.baseUrl}/workflow/${w.id}`).join('\n                    ')}`,
		);
		log(`  emulator          ${emu.url}  (API ${emu.apiBaseUrl}, admin ${emu.url}/_emulator/)`);
		log(
			`  demo ad accounts  ${emu.demo.adAccountId} (ACME Tools), ${emu.demo.bigAdAccountId} (600 audiences)`,
		);
		log(`  n8n log           ${n8n.logPath}`);
		log('');
		log('Webhook templates answer on /webhook/<path> once activated. Press Ctrl-C to stop.');
	} catch (error) {
		await n8n.cleanup().catch(() => undefined);
		await emu.close().catch(() => undefined);
		throw error;
	}
}

main().catch((error) => {
	process.stderr.write(`npm run dev failed: ${error && error.message ? error.message : error}\n`);
	process.exit(1);
});
