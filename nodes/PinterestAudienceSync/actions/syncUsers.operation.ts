import type { IDataObject, IExecuteFunctions, INodeExecutionData, IPairedItemData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { AudienceProblem } from '../engine/errors';
import type { LimiterFactory } from '../engine/limiter';
import { limiterFactoryFromEnvironment } from '../engine/queueMode';
import type { SyncResult } from '../engine/sync';
import { USER_STATUS_NAMES, runSync } from '../engine/sync';
import { CREDENTIAL_TYPE, apiBaseUrlFor, pinterestClientFor } from '../transport';
import { identifierReader, readSyncParameters } from './parameters';

export const STATUS_FIELD = 'pinterestAudienceSync';

/** Same credential → same token refresh lock and coalescing; the node's credential ID names it. */
function credentialKey(context: IExecuteFunctions): string {
	const reference = context.getNode().credentials?.[CREDENTIAL_TYPE];
	return reference?.id ?? reference?.name ?? 'default';
}

/**
 * Every entered user leaves on Users, paired with its input item. Output items are built field by field
 * (an object spread costs ~1 µs per item, over a second at 1,000,000 users), and their pairedItem
 * objects are the Metrics item's, so a large execution holds one set of them.
 */
function usersOutput(
	items: INodeExecutionData[],
	pairs: IPairedItemData[],
	result: SyncResult,
	writeStatus: boolean,
): INodeExecutionData[] {
	const output = new Array<INodeExecutionData>(items.length);
	for (let index = 0; index < items.length; index++) {
		const item = items[index];
		let json = item.json;
		if (writeStatus) {
			const status: IDataObject = { status: USER_STATUS_NAMES[result.statuses[index]] };
			const reason = result.reasons.get(index);
			if (reason !== undefined) status.reason = reason;
			json = { ...json, [STATUS_FIELD]: status };
		}
		const out: INodeExecutionData = { json, pairedItem: pairs[index] };
		if (item.binary !== undefined) out.binary = item.binary;
		output[index] = out;
	}
	return output;
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

	const result = await runSync({
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
	});

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
	const pairs = items.map((_, index): IPairedItemData => ({ item: index }));
	return [usersOutput(items, pairs, result, parameters.writeStatus), [{ json: metrics, pairedItem: pairs }]];
}

function findAudienceProblem(result: SyncResult): AudienceProblem | undefined {
	return result.failureCause instanceof AudienceProblem ? result.failureCause : undefined;
}
