/**
 * Shared pieces of the e2e suite: which n8n versions to run, workflow builders and timing records.
 * The n8n side lives in scripts/lib (one implementation for the demo, `npm run dev` and these tests).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { CUSTOM_NODE_TYPE, CREDENTIAL_TYPE } from '../../scripts/lib/workflows';

export const REPO_ROOT = join(__dirname, '..', '..');
export const ARTIFACTS_DIR = join(REPO_ROOT, 'test-artifacts');

/** `N8N_E2E_VERSIONS` (space or comma separated), default both supported lines. */
export function e2eVersions(): string[] {
	const raw = process.env.N8N_E2E_VERSIONS ?? '2.8.4 2.40.7';
	return raw.split(/[\s,]+/).filter(Boolean);
}

export const SYNC_NODE = 'Pinterest Audience Sync';

export interface CredentialRef {
	id: string;
	name: string;
}

export interface SyncWorkflowOptions {
	id: string;
	name: string;
	credential: CredentialRef;
	/** Body of the Code node that produces the users (returns an array of `{ json }`). */
	usersCode: string;
	/** Parameters of the sync node (merged over the defaults). */
	parameters: Record<string, unknown>;
	/** Node-level settings of the sync node, e.g. `{ onError: 'continueRegularOutput' }`. */
	nodeSettings?: Record<string, unknown>;
}

/** Manual Trigger → Code (users) → Pinterest Audience Sync. */
export function syncWorkflow(o: SyncWorkflowOptions) {
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
				name: SYNC_NODE,
				type: CUSTOM_NODE_TYPE,
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
				...(o.nodeSettings ?? {}),
			},
		],
		connections: {
			'Manual Trigger': { main: [[{ node: 'Users', type: 'main', index: 0 }]] },
			Users: { main: [[{ node: SYNC_NODE, type: 'main', index: 0 }]] },
		},
	};
}

/** Code-node body returning `count` users `<prefix><i>@example.com` (i from `from`). */
export function simpleUsersCode(prefix: string, count: number, from = 1): string {
	return `return Array.from({ length: ${count} }, (_, i) => ({ json: { email: '${prefix}' + (i + ${from}) + '@example.com' } }));`;
}

export function simpleEmails(prefix: string, count: number, from = 1): string[] {
	return Array.from({ length: count }, (_, i) => `${prefix}${i + from}@example.com`);
}

export const rl = (value: string) => ({ __rl: true, mode: 'id', value });

/** Wall times per version, written to test-artifacts/ and printed at the end. */
export function recordTimings(version: string, timings: Record<string, number>): void {
	mkdirSync(ARTIFACTS_DIR, { recursive: true });
	writeFileSync(join(ARTIFACTS_DIR, `e2e-timings-${version}.json`), JSON.stringify(timings, null, 2));
	const lines = Object.entries(timings).map(([k, v]) => `  ${k.padEnd(34)} ${(v / 1000).toFixed(1)} s`);
	// eslint-disable-next-line no-console
	console.log(`n8n ${version} e2e wall times:\n${lines.join('\n')}`);
}
