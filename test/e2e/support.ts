/**
 * Shared pieces of the e2e suite: which n8n versions to run, workflow builders and timing records.
 * The n8n side lives in scripts/lib (one implementation for the demo, `npm run dev` and these tests).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { startEmulator, type Emulator } from '../../emulator';
import { createN8nInstance, ensureN8n, type N8nInstance } from '../../scripts/lib/n8n';
import { emulatorCredential } from '../../scripts/lib/workflows';

export const REPO_ROOT = join(__dirname, '..', '..');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');

/** `N8N_E2E_VERSIONS` (space or comma separated), default both supported lines. */
export function e2eVersions(): string[] {
	const raw = process.env.N8N_E2E_VERSIONS ?? '2.8.4 2.41.1';
	return raw.split(/[\s,]+/).filter(Boolean);
}

export {
	SYNC_NODE_NAME as SYNC_NODE,
	syncUsersWorkflow as syncWorkflow,
	byId as rl,
} from '../../scripts/lib/workflows';

/** Code-node body returning `count` users `<prefix><i>@example.com` (i from `from`). */
export function simpleUsersCode(prefix: string, count: number, from = 1): string {
	return `return Array.from({ length: ${count} }, (_, i) => ({ json: { email: '${prefix}' + (i + ${from}) + '@example.com' } }));`;
}

export function simpleEmails(prefix: string, count: number, from = 1): string[] {
	return Array.from({ length: count }, (_, i) => `${prefix}${i + from}@example.com`);
}

/** Wall times per version, written to test-artifacts/ and printed at the end. */
export function recordTimings(version: string, timings: Record<string, number>): void {
	mkdirSync(ARTIFACTS_DIR, { recursive: true });
	writeFileSync(
		join(ARTIFACTS_DIR, `e2e-timings-${version}.json`),
		JSON.stringify(timings, null, 2),
	);
	const lines = Object.entries(timings).map(
		([k, v]) => `  ${k.padEnd(34)} ${(v / 1000).toFixed(1)} s`,
	);
	// eslint-disable-next-line no-console
	console.log(`n8n ${version} e2e wall times:\n${lines.join('\n')}`);
}

/** Imports the emulator's demo user into `n8n` as the credential `cred`. */
export async function importEmulatorCredential(
	n8n: N8nInstance,
	emu: Emulator,
	cred: { id: string; name: string },
): Promise<void> {
	const demo = emu.demo;
	await n8n.importCredentials([
		emulatorCredential({
			...cred,
			baseUrl: emu.url,
			clientId: demo.clientId,
			clientSecret: demo.clientSecret,
			accessToken: demo.accessToken,
			refreshToken: demo.refreshToken,
		}),
	]);
}

/**
 * A fresh emulator and a fresh n8n `version` that knows it as the credential `cred`, for the enclosing
 * `describe`: started before its tests, closed after them. Read `emu` and `n8n` inside the tests.
 */
export function useEmulatorAndN8n(
	version: string,
	cred: { id: string; name: string },
): { emu: Emulator; n8n: N8nInstance } {
	const env = {} as { emu: Emulator; n8n: N8nInstance };
	beforeAll(async () => {
		await ensureN8n(version);
		env.emu = await startEmulator({});
		env.n8n = await createN8nInstance({ version });
		await importEmulatorCredential(env.n8n, env.emu, cred);
	}, 40 * 60_000);
	afterAll(async () => {
		await env.n8n?.cleanup();
		await env.emu?.close();
	});
	return env;
}
