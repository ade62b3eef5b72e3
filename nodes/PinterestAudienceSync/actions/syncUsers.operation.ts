import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { AudienceProblem } from '../engine/errors';
import type { LimiterFactory } from '../engine/limiter';
import { limiterFactoryFromEnvironment } from '../engine/queueMode';
import { nextTurn } from '../engine/retry';
import type { SyncResult } from '../engine/sync';
import { USER_STATUS_NAMES, runSync } from '../engine/sync';
import { CREDENTIAL_TYPE, apiBaseUrlFor, credentialKey, pinterestClientFor } from '../transport';
import { identifierReader, readSyncParameters } from './parameters';

export const STATUS_FIELD = 'pinterestAudienceSync';

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

/** *Add Sync Status to Users*: each user's outcome (and reason) in its own copy of the item's JSON. */
function writeStatuses(users: INodeExecutionData[], result: SyncResult): void {
	for (let index = 0; index < users.length; index++) {
		const status: IDataObject = { status: USER_STATUS_NAMES[result.statuses[index]] };
		const reason = result.reasons.get(index);
		if (reason !== undefined) status.reason = reason;
		users[index].json = { ...users[index].json, [STATUS_FIELD]: status };
	}
}

/** The Canvas step: every entered user leaves on Users, and one Metrics item says what happened. */
export async function execute(this: IExecuteFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[][]> {
	const parameters = readSyncParameters(this);
	const credentials = await this.getCredentials(CREDENTIAL_TYPE);
	if (credentials.environment === 'sandbox') {
		throw new NodeOperationError(this.getNode(), "Pinterest's sandbox has no audiences or customer lists", {
			description: 'Audience sync only works against production Pinterest (or a Custom Base URL such as the bundled emulator). Change the environment of the Pinterest credential.',
		});
	}
	if (credentials.environment === 'custom' && !/^https?:\/\/[^/]+/.test(apiBaseUrlFor(credentials))) {
		throw new NodeOperationError(this.getNode(), 'The Pinterest credential has no valid Custom Base URL', {
			description: 'Enter an address such as http://127.0.0.1:8787 in the credential, or choose the Production environment.',
		});
	}

	let limiterFactory: LimiterFactory;
	try {
		// In queue mode the write limit is shared by all workers through n8n's Redis (product.md §5).
		limiterFactory = limiterFactoryFromEnvironment();
	} catch (error) {
		throw new NodeOperationError(this.getNode(), error instanceof Error ? error.message : String(error));
	}

	let endInSight!: () => void;
	const nearlyDone = new Promise<void>((resolve) => (endInSight = resolve));
	const syncing = runSync({
		client: pinterestClientFor(this),
		credentialKey: credentialKey(this),
		adAccountId: parameters.adAccountId,
		audience: parameters.audience,
		action: parameters.action,
		fields: parameters.fields,
		userCount: items.length,
		readIdentifier: identifierReader(this, items, parameters.fields),
		settings: parameters.settings,
		limiterFactory,
		onNearlyDone: () => endInSight(),
	});
	// Settled either way before anything else is awaited: a rejection is never left unhandled.
	const settled = syncing.then(
		(result) => ({ ok: true as const, result }),
		(error: unknown) => ({ ok: false as const, error }),
	);
	// The outputs are built during the last requests, not before: built at the start, they would stay in
	// memory through the whole sync (~100 MB more at a million users).
	await Promise.race([nearlyDone, settled]);
	const { users, pairs } = await passThroughUsers(items);
	const outcome = await settled;
	if (!outcome.ok) throw outcome.error;
	const { result } = outcome;

	if (result.failure && !this.continueOnFail()) {
		const { failure } = result;
		const problem = findAudienceProblem(result);
		if (problem) throw new NodeOperationError(this.getNode(), problem.message);
		throw new NodeApiError(this.getNode(), { message: failure.message, reason: failure.reason } as JsonObject, {
			message: failure.message,
			description: `${result.metrics.usersErrored} of ${result.metrics.entered} users were not synced (${failure.reason}).`,
			httpCode: failure.httpStatus !== undefined ? String(failure.httpStatus) : undefined,
		});
	}

	const metrics: IDataObject = { ...result.metrics };
	if (result.failure) metrics.error = result.failure.message;
	if (parameters.writeStatus) writeStatuses(users, result);
	return [users, [{ json: metrics, pairedItem: pairs }]];
}

function findAudienceProblem(result: SyncResult): AudienceProblem | undefined {
	return result.failureCause instanceof AudienceProblem ? result.failureCause : undefined;
}
