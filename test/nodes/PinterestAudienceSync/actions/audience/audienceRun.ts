/** Runs the node's audience operations against the emulator through the n8n stand-in (real HTTP). */
import type { INodeExecutionData } from 'n8n-workflow';

import type { Emulator } from '../../../../../emulator';
import { PinterestAudienceSync } from '../../../../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import type { ContextRecorder, FakeCredential } from '../../../../helpers/n8nContext';
import { byId, createExecuteContext } from '../../../../helpers/n8nContext';
import { credentialFor, emailItems, runNode, syncParameters } from '../../../../helpers/nodeRunner';

export { byId };

export interface AudienceRunOptions {
	parameters: Record<string, unknown>;
	items?: INodeExecutionData[];
	continueOnFail?: boolean;
	credential?: FakeCredential;
	recorder?: ContextRecorder;
}

/** Executes the node once; returns output 0 and checks that output 1 (Metrics) stays empty. */
export async function runOperation(
	emu: Emulator,
	options: AudienceRunOptions,
): Promise<INodeExecutionData[]> {
	const context = createExecuteContext(
		{
			credential: options.credential ?? credentialFor(emu),
			parameters: options.parameters,
			items: options.items ?? [{ json: {} }],
			continueOnFail: options.continueOnFail,
		},
		options.recorder,
	);
	const outputs = await new PinterestAudienceSync().execute.call(context);
	expect(outputs).toHaveLength(2);
	expect(outputs[1]).toEqual([]);
	return outputs[0];
}

/** The error the node throws, or a failure when it does not throw. */
export async function operationError(
	emu: Emulator,
	options: AudienceRunOptions,
): Promise<Error & { description?: string; httpCode?: string | null }> {
	try {
		await runOperation(emu, options);
	} catch (error) {
		return error as Error & { description?: string };
	}
	throw new Error('the node did not fail');
}

/** Syncs `count` new users into a new customer-list audience; returns its IDs. */
export async function syncedAudience(
	emu: Emulator,
	name: string,
	count: number,
	adAccountId = emu.demo.adAccountId,
): Promise<{ audienceId: string; customerListId: string }> {
	const run = await runNode({
		credential: credentialFor(emu),
		parameters: syncParameters({ adAccount: byId(adAccountId), audienceName: name }),
		items: emailItems(count),
	});
	expect(run.metrics.usersSynced).toBe(count);
	return {
		audienceId: run.metrics.audienceId as string,
		customerListId: run.metrics.customerListId as string,
	};
}

/** The one audience of that name in the ad account (emulator state). */
export function audienceNamed(emu: Emulator, adAccountId: string, name: string): string {
	const found = emu.findAudiences(adAccountId, name);
	expect(found).toHaveLength(1);
	return found[0].id;
}

/** API requests (not admin) the emulator logged since `since`, as "METHOD path". */
export function requestsSince(emu: Emulator, since: number): string[] {
	return emu.log
		.slice(since)
		.filter((entry) => entry.category !== 'admin')
		.map((entry) => `${entry.method} ${entry.path}`);
}
