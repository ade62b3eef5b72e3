/**
 * Mirror in a real n8n: three scheduled-style runs of one workflow (`n8n execute`, a new n8n process each
 * time, the same user folder) with a changing input. After each run the emulator's list equals that input:
 * the memory of what was synced survives n8n restarts in the user folder.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import type { ExecuteResult } from '../../scripts/lib/n8n';
import { hashEmail, metricsOf, runError } from '../../scripts/lib/workflows';
import {
	e2eVersions,
	rl,
	useEmulatorAndN8n,
	simpleEmails,
	simpleUsersCode,
	SYNC_NODE,
	syncWorkflow,
} from './support';

const MINUTE = 60_000;
const CRED = { id: 'pinE2eMirror001', name: 'Pinterest (emulator, mirror)' };
const WORKFLOW_ID = 'e2eMirror000001';
const AUDIENCE = 'E2E mirrored segment';

function expectSuccess(r: ExecuteResult): void {
	if (r.exitCode !== 0 || r.run?.status !== 'success') {
		const e = runError(r.run);
		throw new Error(
			`execution failed: exit ${r.exitCode}, status ${r.run?.status}, error: ${e?.message} ${e?.description ?? ''}\n${r.stderr.slice(-2000)}`,
		);
	}
}

describe.each(e2eVersions())('n8n %s: Mirror', (version) => {
	const env = useEmulatorAndN8n(version, CRED);

	/** The nightly query returned users `from` … `from + count − 1` today: import that workflow and run it. */
	async function mirrorRun(from: number, count: number): Promise<Record<string, unknown>> {
		await env.n8n.importWorkflow(
			syncWorkflow({
				id: WORKFLOW_ID,
				name: 'E2E mirror',
				credential: CRED,
				usersCode: simpleUsersCode('mirror', count, from),
				parameters: {
					adAccount: rl(env.emu.demo.adAccountId),
					audienceMode: 'createNew',
					audienceName: AUDIENCE,
					action: 'mirror',
					options: { flushWindowSeconds: 0 },
				},
			}),
		);
		const r = await env.n8n.execute(WORKFLOW_ID);
		expectSuccess(r);
		const metrics = metricsOf(r.run, SYNC_NODE) as Record<string, unknown>;
		const held = env.emu.listRecords(env.emu.demo.adAccountId, String(metrics.customerListId));
		const expected = simpleEmails('mirror', count, from).map(hashEmail);
		expect(held.size).toBe(count);
		expect(expected.filter((record) => !held.has(record))).toHaveLength(0);
		return metrics;
	}

	test(
		'three runs with a changing input: the audience equals each input, across n8n restarts',
		async () => {
			const first = await mirrorRun(1, 300);
			expect(first).toMatchObject({
				action: 'mirror',
				audienceCreated: true,
				usersAdded: 300,
				usersRemoved: 0,
				usersSynced: 300,
			});
			expect(first.mirrorBaseline).toEqual(expect.stringContaining('first run'));
			const memory = join(env.n8n.userFolder, '.n8n', 'pinterest-audience-sync', 'mirror');
			expect(existsSync(memory) && readdirSync(memory)).toEqual([
				`${env.emu.demo.adAccountId}-${String(first.customerListId)}-email.bin`,
			]);

			const second = await mirrorRun(101, 350);
			expect(second).toMatchObject({
				customerListId: first.customerListId,
				usersAdded: 150,
				usersUnchanged: 200,
				usersRemoved: 100,
				recordsSent: 250,
			});
			expect(second.mirrorBaseline).toBeUndefined();

			const third = await mirrorRun(201, 250);
			expect(third).toMatchObject({
				customerListId: first.customerListId,
				usersAdded: 0,
				usersUnchanged: 250,
				usersRemoved: 100,
				recordsSent: 100,
			});
		},
		10 * MINUTE,
	);
});
