/** Shared helpers of the fault matrix: every run goes through the node against the running emulator. */
import { createHash } from 'node:crypto';
import type { INodeExecutionData } from 'n8n-workflow';

import type { Emulator, RequestLogEntry } from '../../emulator';
import { PinterestAudienceSync } from '../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import type { ContextOptions, FakeCredential } from '../helpers/n8nContext';
import { createExecuteContext } from '../helpers/n8nContext';
import type { NodeRun } from '../helpers/nodeRunner';
import {
	credentialFor,
	emailItems,
	runNode,
	statusOf,
	syncParameters,
} from '../helpers/nodeRunner';

export const sha = (text: string): string =>
	createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Emulator options for tests that count exact answers: the emulator refuses only the faults a test
 * injects, never on its own 7-writes-per-second rule, so a loaded machine (a write that reaches it a few ms
 * late) cannot add a 429 to the sequence. The node still paces itself; the rule is judged by the pacing
 * suite (`npm run test:pacing`).
 */
export const INJECTED_FAULTS_ONLY = { writesPerSecond: 0 } as const;

let counter = 0;
export const uniqueName = (label: string): string => `${label} ${++counter} ${Date.now()}`;

export interface TargetAudience {
	audienceId: string;
	customerListId: string;
	/** The resource-locator value n8n stores for "Existing Audience". */
	locator: { __rl: true; mode: 'id'; value: string };
}

/** Creates a customer-list audience through the node (one user) so that fault tests start with PATCHes only. */
export async function createTarget(
	emu: Emulator,
	label: string,
	adAccountId = emu.demo.adAccountId,
): Promise<TargetAudience> {
	const run = await runNode({
		credential: credentialFor(emu),
		parameters: syncParameters({
			adAccount: { __rl: true, mode: 'id', value: adAccountId },
			audienceName: uniqueName(label),
		}),
		items: [{ json: { email: `seed-${label.replace(/\W+/g, '-')}@example.com` } }],
	});
	expect(run.metrics.usersSynced).toBe(1);
	const audienceId = run.metrics.audienceId as string;
	return {
		audienceId,
		customerListId: run.metrics.customerListId as string,
		locator: { __rl: true, mode: 'id', value: audienceId },
	};
}

/** A credential holding a newly issued token pair of the demo user (the seeded pair may have been rotated). */
export function freshCredential(emu: Emulator): FakeCredential {
	const credential = credentialFor(emu);
	const pair = emu.issueTokens(emu.demo.userId);
	credential.oauthTokenData = { ...credential.oauthTokenData, ...pair };
	return credential;
}

/** Node parameters that add users to an existing audience. */
export function toTarget(
	target: TargetAudience,
	options: Record<string, unknown> = {},
	overrides: Record<string, unknown> = {},
): Record<string, unknown> {
	return syncParameters({
		audienceMode: 'existing',
		audience: target.locator,
		options,
		...overrides,
	});
}

export function patchesTo(emu: Emulator, customerListId: string, since = 0): RequestLogEntry[] {
	return emu.log
		.slice(since)
		.filter((e) => e.method === 'PATCH' && e.path.endsWith(`/customer_lists/${customerListId}`));
}

/** Users whose status field says `status`, with their reasons. */
export function statusCounts(run: NodeRun): Record<string, number> {
	const counts: Record<string, number> = {};
	run.users.forEach((_, i) => {
		const { status, reason } = statusOf(run, i);
		const key = reason === undefined ? status : `${status}: ${reason}`;
		counts[key] = (counts[key] ?? 0) + 1;
	});
	return counts;
}

/** Every item reached Pinterest: its email's hash is a member of the list. */
export function expectAllHeld(
	emu: Emulator,
	customerListId: string,
	items: INodeExecutionData[],
	adAccountId = emu.demo.adAccountId,
): void {
	const held = emu.listRecords(adAccountId, customerListId);
	const missing = items.filter((item) => !held.has(sha(String(item.json.email))));
	expect(missing).toHaveLength(0);
}

/** Runs the node expecting it to fail (On Error: stop); returns the error. */
export async function executeExpectingError(
	options: Omit<ContextOptions, 'parameters'> & { parameters: Record<string, unknown> },
): Promise<Error> {
	const node = new PinterestAudienceSync();
	try {
		await node.execute.call(createExecuteContext(options));
	} catch (error) {
		return error as Error;
	}
	throw new Error('the node did not fail');
}

/** Polls the request log until `predicate` holds for an entry (the emulator has no push hook). */
export function whenLogged(
	emu: Emulator,
	predicate: (entry: RequestLogEntry) => boolean,
	since = 0,
): Promise<RequestLogEntry> {
	return new Promise((resolve, reject) => {
		const giveUp = setTimeout(() => {
			clearInterval(poll);
			reject(new Error('the awaited request never reached the emulator'));
		}, 15_000);
		const poll = setInterval(() => {
			const entry = emu.log.slice(since).find(predicate);
			if (entry) {
				clearInterval(poll);
				clearTimeout(giveUp);
				resolve(entry);
			}
		}, 2);
	});
}

export { credentialFor, emailItems, runNode, statusOf, syncParameters };
