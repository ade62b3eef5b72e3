import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { PinterestAudienceSync } from '../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import type { Emulator } from '../../emulator';
import type { ContextOptions, ContextRecorder, FakeCredential } from './n8nContext';
import { createExecuteContext } from './n8nContext';

export interface NodeRun {
	users: INodeExecutionData[];
	/** The first (with one target, the only) Metrics item. */
	metrics: IDataObject;
	/** One Metrics item per target, in order of first appearance. */
	metricsItems: IDataObject[];
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
	return Array.from({ length: count }, (_, i) => ({
		json: { email: `user${i + offset}@example.com`, n: i + offset },
	}));
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

/**
 * Runs the node's execute() once and checks the contract every run must keep: every user
 * leaves once, in order; one Metrics item per target (`targets`, default 1), each paired with its users and
 * accounting for each of them once, and together for all.
 */
export async function runNode(
	options: Omit<ContextOptions, 'parameters'> & {
		parameters: Record<string, unknown>;
		targets?: number;
	},
	recorder?: ContextRecorder,
): Promise<NodeRun> {
	const node = new PinterestAudienceSync();
	const context = createExecuteContext(options, recorder);
	const [users, metricsOutput] = await node.execute.call(context);
	const items = options.items ?? [];
	expect(metricsOutput).toHaveLength(options.targets ?? 1);
	expect(users).toHaveLength(items.length);
	users.forEach((user, index) => {
		expect(user.pairedItem).toEqual({ item: index });
		expect(user.json).toMatchObject(items[index].json);
	});
	const paired = new Set<number>();
	for (const { json: metrics, pairedItem } of metricsOutput) {
		const pairs = (Array.isArray(pairedItem) ? pairedItem : [pairedItem]) as Array<{
			item: number;
		}>;
		for (const pair of pairs) paired.add(pair.item);
		expect(metrics.entered).toBe(pairs.length);
		expect(metrics.proceededToNextStep).toBe(pairs.length);
		expect(
			(metrics.usersSynced as number) +
				(metrics.usersNotSynced as number) +
				(metrics.usersErrored as number) +
				(metrics.usersPending as number),
		).toBe(metrics.entered);
	}
	expect(paired.size).toBe(items.length);
	const metricsItems = metricsOutput.map((item) => item.json);
	return { users, metrics: metricsItems[0], metricsItems };
}

export function statusOf(run: NodeRun, index: number): { status: string; reason?: string } {
	return run.users[index].json.pinterestAudienceSync as { status: string; reason?: string };
}
