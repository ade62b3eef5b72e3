import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	IPairedItemData,
	JsonObject,
} from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { AudienceProblem, DEFAULT_MIRROR_LOCK_WAIT_MS } from '../../engine/pinterest';
import type { MirrorStore } from '../../engine/mirror';
import { nextTurn } from '../../engine/coordination';
import type { MarketerMessage } from '../../engine/messages';
import type { EngineRuntime } from '../../engine/runtime';
import { processRuntime } from '../../engine/runtime';
import { audienceLabel } from '../../engine/messages';
import type { AudienceChoice, SyncAction, SyncResult } from '../../engine/sync';
import { USER_STATUS_NAMES, UserStatus, notSyncedResult, runSync } from '../../engine/sync';
import { credentialKey, pinterestClientFor } from '../../transport';
import { addListExceptions } from '../audience/customerList';
import { assertAudienceEnvironment } from '../environment';
import type { ParameterProblem } from '../parameters';
import type { SyncParameters } from './parameters';
import { identifierReader, readSyncParameters } from './parameters';
import type { TargetGroup } from './targets';
import { readSyncTargets } from './targets';

export const STATUS_FIELD = 'pinterestAudienceSync';

/** n8n's execution ID: each round of a loop in one execution is the same party for coalescing. */
function executionIdOf(context: IExecuteFunctions): string | undefined {
	try {
		return context.getExecutionId() || undefined;
	} catch {
		return undefined;
	}
}

/** Output items built per turn of the event loop, so requests under way are never held up (a few ms). */
const OUTPUT_SLICE_ITEMS = 16_384;

/**
 * Every entered user leaves on Users, paired with its input item; built while the last requests travel
 * (at a million users this is ~0.4 s that would otherwise follow the last answer). Items are built field by
 * field (an object spread costs ~1 µs per item), and their pairedItem objects are the Metrics item's, so
 * a large execution holds one set of them.
 */
async function passThroughUsers(
	items: INodeExecutionData[],
): Promise<{ users: INodeExecutionData[]; pairs: IPairedItemData[] }> {
	const users = new Array<INodeExecutionData>(items.length);
	const pairs = new Array<IPairedItemData>(items.length);
	for (let start = 0; start < items.length; start += OUTPUT_SLICE_ITEMS) {
		if (start > 0) await nextTurn();
		const end = Math.min(items.length, start + OUTPUT_SLICE_ITEMS);
		for (let index = start; index < end; index++) {
			const item = items[index];
			const pair: IPairedItemData = { item: index };
			const user: INodeExecutionData = { json: item.json, pairedItem: pair };
			if (item.binary !== undefined) user.binary = item.binary;
			pairs[index] = pair;
			users[index] = user;
		}
	}
	return { users, pairs };
}

/** Names a target in a user's reason when a run has several: which audience failed matters then. */
function targetLabel(result: SyncResult): string {
	const { adAccountId, audienceName, audienceId, customerListId } = result.metrics;
	const audience = audienceLabel({
		audienceName: audienceName ?? undefined,
		audienceId: audienceId ?? undefined,
		customerListId: customerListId ?? undefined,
	});
	return ` (${audience} in ad account ${adAccountId})`;
}

/** *Add Sync Status to Users*: each user's outcome (and reason) in its own copy of the item's JSON. */
function writeStatuses(
	users: INodeExecutionData[],
	group: TargetGroup,
	result: SyncResult,
	manyTargets: boolean,
): void {
	const errorSuffix = manyTargets ? targetLabel(result) : '';
	for (let index = 0; index < result.statuses.length; index++) {
		const status: IDataObject = { status: USER_STATUS_NAMES[result.statuses[index]] };
		const reason = result.reasons.get(index);
		if (reason !== undefined)
			status.reason = result.statuses[index] === UserStatus.Errored ? reason + errorSuffix : reason;
		const user = users[group.users ? group.users[index] : index];
		user.json = { ...user.json, [STATUS_FIELD]: status };
	}
}

function pairsOf(group: TargetGroup, pairs: IPairedItemData[]): IPairedItemData[] {
	return group.users ? Array.from(group.users, (user) => pairs[user]) : pairs;
}

function describeShortfall(result: SyncResult, reason: string): string {
	const { usersErrored, entered, usersNotRemoved } = result.metrics;
	const parts: string[] = [];
	if (usersErrored > 0 || !usersNotRemoved)
		parts.push(`${usersErrored} of ${entered} users were not synced (${reason}).`);
	if (usersNotRemoved)
		parts.push(
			`${usersNotRemoved} users who are no longer in the input were not removed (${reason}); the next Mirror run removes them.`,
		);
	return parts.join(' ');
}

/** The error that fails the node for a target whose users could not be synced. */
function nodeErrorFor(context: IExecuteFunctions, result: SyncResult): Error {
	const failure = result.failure as MarketerMessage;
	if (result.failureCause instanceof AudienceProblem)
		return new NodeOperationError(context.getNode(), result.failureCause.message);
	return new NodeApiError(
		context.getNode(),
		{ message: failure.message, reason: failure.reason } as JsonObject,
		{
			message: failure.message,
			description: describeShortfall(result, failure.reason),
			httpCode: failure.httpStatus !== undefined ? String(failure.httpStatus) : undefined,
		},
	);
}

/**
 * The Canvas step: every entered user leaves on Users, and one Metrics item per target says what happened.
 * Users are grouped by the ad account and audience their item names (one group unless those parameters are
 * per-item expressions); each group is synced as one job, all at once, sharing the Pinterest user's limit.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const parameters = readSyncParameters(this);
	const groups = readSyncTargets(this, items);
	await assertAudienceEnvironment(this);

	const stores = syncStoresFor(this, parameters.action);
	const started = startSyncs(this, items, groups, parameters, stores);
	const { results, users, pairs } = await finishSyncs(items, started);
	failIfNothingSynced(this, results);
	if (parameters.writeStatus)
		results.forEach((result, index) =>
			writeStatuses(users, groups[index], result, groups.length > 1),
		);
	const metrics = metricsItemsOf(results, groups, pairs);
	await addListExceptions(
		this,
		metrics.map((item, index) => ({
			metrics: item.json,
			failureCause: results[index].failureCause,
		})),
	);
	return [users, metrics];
}

/** Where the write limit and Mirror's memory are kept. */
interface SyncStores {
	runtime: EngineRuntime;
	mirrorStore?: MirrorStore;
}

function syncStoresFor(context: IExecuteFunctions, action: SyncAction): SyncStores {
	try {
		// In queue mode the write limit is shared by all workers through n8n's Redis: together they stay
		// within Pinterest's limit per Pinterest user.
		const runtime = processRuntime();
		// Mirror's memory lives beside the limit: in that Redis, else under n8n's user folder.
		const mirrorStore = action === 'mirror' ? runtime.mirrorStore() : undefined;
		return { runtime, mirrorStore };
	} catch (error) {
		throw new NodeOperationError(
			context.getNode(),
			error instanceof Error ? error.message : String(error),
		);
	}
}

/** A new audience carries the description the node was given; an existing one is left as it is. */
function withDescription(audience: AudienceChoice, description: string): AudienceChoice {
	return audience.mode === 'createNew' && description !== ''
		? { ...audience, description }
		: audience;
}

/** One sync per target, all under way; `nearlyDone` settles per sync when its end is in sight. */
interface StartedSyncs {
	syncs: Array<Promise<SyncResult>>;
	nearlyDone: Array<Promise<void>>;
}

function startSyncs(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	groups: TargetGroup[],
	parameters: SyncParameters,
	stores: SyncStores,
): StartedSyncs {
	const client = pinterestClientFor(context);
	const key = credentialKey(context);
	const executionId = executionIdOf(context);
	const readIdentifier = identifierReader(context, items, parameters.fields);
	const { runtime, mirrorStore } = stores;
	const nearlyDone: Array<Promise<void>> = [];
	const syncs = groups.map(async (group): Promise<SyncResult> => {
		const userCount = group.users ? group.users.length : items.length;
		if (!group.target) {
			const problem = group.problem as ParameterProblem;
			return notSyncedResult(userCount, problem.message, parameters.action, group.given);
		}
		const users = group.users;
		let endInSight!: () => void;
		nearlyDone.push(new Promise<void>((resolve) => (endInSight = resolve)));
		return await runSync({
			client,
			credentialKey: key,
			executionId,
			adAccountId: group.target.adAccountId,
			audience: withDescription(group.target.audience, parameters.audienceDescription),
			action: parameters.action,
			mirror: mirrorStore && {
				store: mirrorStore,
				resendAll: parameters.resendAll,
				lockWaitMs: DEFAULT_MIRROR_LOCK_WAIT_MS,
			},
			fields: parameters.fields,
			userCount,
			readIdentifier: users ? (user, field) => readIdentifier(users[user], field) : readIdentifier,
			settings: parameters.settings,
			runtime,
			onNearlyDone: () => endInSight(),
		});
	});
	return { syncs, nearlyDone };
}

/**
 * The syncs' results, and the Users output with its pairedItem objects. The outputs are built during the
 * last requests, not before: built at the start, they would stay in memory through the whole sync
 * (~100 MB more at a million users).
 */
async function finishSyncs(
	items: INodeExecutionData[],
	{ syncs, nearlyDone }: StartedSyncs,
): Promise<{ results: SyncResult[]; users: INodeExecutionData[]; pairs: IPairedItemData[] }> {
	// Settled either way before anything else is awaited: a rejection is never left unhandled.
	const settled = Promise.all(syncs).then(
		(results) => ({ ok: true as const, results }),
		(error: unknown) => ({ ok: false as const, error }),
	);
	await Promise.race([Promise.all(nearlyDone), settled]);
	const { users, pairs } = await passThroughUsers(items);
	const outcome = await settled;
	if (!outcome.ok) throw outcome.error;
	return { results: outcome.results, users, pairs };
}

/**
 * With one target, its failure fails the node (as it always has); with several, the node fails only when
 * no target could be synced, and each failed target's users are Errored or Not Synced with the reason.
 */
function failIfNothingSynced(context: IExecuteFunctions, results: SyncResult[]): void {
	const failed = results.filter((result) => result.failure);
	if (
		!context.continueOnFail() &&
		failed.length > 0 &&
		results.every(
			(result) => result.failure || result.metrics.usersNotSynced === result.metrics.entered,
		)
	) {
		throw nodeErrorFor(context, failed[0]);
	}
}

/** One Metrics item per target, paired with the items of its users. */
function metricsItemsOf(
	results: SyncResult[],
	groups: TargetGroup[],
	pairs: IPairedItemData[],
): INodeExecutionData[] {
	return results.map((result, index): INodeExecutionData => {
		const metrics: IDataObject = { ...result.metrics };
		if (result.failure) metrics.error = result.failure.message;
		return { json: metrics, pairedItem: pairsOf(groups[index], pairs) };
	});
}
