import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { PinterestAudienceSync } from '../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import type { Emulator } from '../../emulator';
import type { ContextOptions, ContextRecorder, FakeCredential } from './n8nContext';
import { createExecuteContext } from './n8nContext';

export interface NodeRun {
	users: INodeExecutionData[];
	metrics: IDataObject;
}

export function credentialFor(emu: Emulator, user: 'demo' | 'second' = 'demo'): FakeCredential {
	return {
		environment: 'custom',
		customBaseUrl: emu.url,
		clientId: emu.demo.clientId,
		clientSecret: emu.demo.clientSecret,
		oauthTokenData: {
			access_token: user === 'demo' ? emu.demo.accessToken : emu.demo.secondAccessToken,
			refresh_token: user === 'demo' ? emu.demo.refreshToken : emu.demo.secondRefreshToken,
			token_type: 'bearer',
			expires_in: 2592000,
		},
	};
}

export function emailItems(count: number, offset = 0): INodeExecutionData[] {
	return Array.from({ length: count }, (_, i) => ({ json: { email: `user${i + offset}@example.com`, n: i + offset } }));
}

export function syncParameters(overrides: Record<string, unknown> = {}): Record<string, unknown> {
	const { options, ...rest } = overrides;
	return {
		operation: 'syncUsers',
		adAccount: { __rl: true, mode: 'id', value: '549755885175' },
		audienceMode: 'createNew',
		audienceName: 'Test audience',
		action: 'add',
		matchFields: ['email'],
		emailValue: '={{ $json.email }}',
		maidValue: '={{ $json.maid }}',
		idfaValue: '={{ $json.idfa }}',
		options: { flushWindowSeconds: 0, writeStatus: true, ...(options as object) },
		...rest,
	};
}

/** Runs the node's execute() once and checks the contract every run must keep (product.md §3). */
export async function runNode(
	options: Omit<ContextOptions, 'parameters'> & { parameters: Record<string, unknown> },
	recorder?: ContextRecorder,
): Promise<NodeRun> {
	const node = new PinterestAudienceSync();
	const context = createExecuteContext(options, recorder);
	const [users, metricsOutput] = await node.execute.call(context);
	const items = options.items ?? [];
	expect(metricsOutput).toHaveLength(1);
	const metrics = metricsOutput[0].json;
	expect(users).toHaveLength(items.length);
	users.forEach((user, index) => {
		expect(user.pairedItem).toEqual({ item: index });
		expect(user.json).toMatchObject(items[index].json);
	});
	expect(metrics.entered).toBe(items.length);
	expect(metrics.proceededToNextStep).toBe(items.length);
	expect(
		(metrics.usersSynced as number) + (metrics.usersNotSynced as number) + (metrics.usersErrored as number) + (metrics.usersPending as number),
	).toBe(items.length);
	return { users, metrics };
}

export function statusOf(run: NodeRun, index: number): { status: string; reason?: string } {
	return run.users[index].json.pinterestAudienceSync as { status: string; reason?: string };
}
