/**
 * One "n8n worker" that runs the node's Create Actalike Audience, with the locks chosen from the
 * environment exactly like the node does (PINTEREST_AUDIENCE_SYNC_REDIS_URL or queue mode). Run with
 * `node -r ./tsRegister.js`. Input: JSON in argv[2]. Output: one JSON line with the audience IDs.
 */
import { existsSync } from 'fs';

// The node's own execute (the node file's name would resolve to its .node.json codex here).
import { router } from '../../nodes/PinterestAudienceSync/actions/router';
import { closeProcessRuntimes } from '../../nodes/PinterestAudienceSync/engine/runtime';
import type { FakeCredential } from '../helpers/n8nContext';
import { byId, createExecuteContext } from '../helpers/n8nContext';

export interface ActalikeWorkerInput {
	credential: FakeCredential;
	adAccountId: string;
	seedAudienceId: string;
	actalikeName: string;
	/** A file whose appearance starts the run, so that the workers start together. */
	startSignal: string;
}

async function waitFor(file: string): Promise<void> {
	while (!existsSync(file)) await new Promise((resolve) => setTimeout(resolve, 5));
}

async function main(): Promise<void> {
	const input = JSON.parse(process.argv[2]) as ActalikeWorkerInput;
	const context = createExecuteContext({
		credential: input.credential,
		parameters: {
			operation: 'createActalike',
			adAccount: byId(input.adAccountId),
			seedAudience: byId(input.seedAudienceId),
			actalikeName: input.actalikeName,
			countries: ['US'],
			percentage: 5,
		},
		items: [{ json: {} }],
	});
	process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
	await waitFor(input.startSignal);
	const [items] = await router.call(context);
	process.stdout.write(`${JSON.stringify({ audiences: items.map((item) => item.json) })}\n`);
	await closeProcessRuntimes();
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
