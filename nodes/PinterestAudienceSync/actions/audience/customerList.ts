/**
 * A customer list's state as Pinterest reports it: status, counters and `exceptions` ("Customer list
 * errors"). Read by Get Audience, and once per audience at the end of Sync Users for its Metrics item.
 */
import type { IDataObject, IExecuteFunctions } from 'n8n-workflow';

import { classifyFailure } from '../../engine/pinterest';
import type { PinterestCustomerList } from '../../engine/pinterest';
import { processRuntime } from '../../engine/runtime';
import { credentialKey } from '../../transport';
import { apiRequest } from './common';

/** Reads a customer list; `maxAttempts` 1 for a read nobody must wait for. */
export async function readCustomerList(
	context: IExecuteFunctions,
	adAccountId: string,
	customerListId: string,
	maxAttempts?: number,
): Promise<PinterestCustomerList> {
	return await apiRequest<PinterestCustomerList>(
		context,
		'GET',
		`/ad_accounts/${adAccountId}/customer_lists/${customerListId}`,
		{ maxAttempts },
	);
}

/** Pinterest's errors for a list, or undefined when it reports none (an empty or missing object). */
export function reportedExceptions(list: PinterestCustomerList): IDataObject | undefined {
	const { exceptions } = list;
	if (!exceptions || typeof exceptions !== 'object' || Array.isArray(exceptions)) return undefined;
	return Object.keys(exceptions).length > 0 ? (exceptions as IDataObject) : undefined;
}

/**
 * The list's errors for a sync's Metrics item: one GET per list per minute in this process, whatever
 * the number of executions (a webhook per user shares it), sent once, never retried; a failed read
 * leaves them out rather than holding up or failing the sync.
 */
export async function exceptionsAfterSync(
	context: IExecuteFunctions,
	adAccountId: string,
	customerListId: string,
): Promise<IDataObject | undefined> {
	const key = `${credentialKey(context)}|${adAccountId}|${customerListId}`;
	return await processRuntime().listReads.get(key, async () =>
		readCustomerList(context, adAccountId, customerListId, 1).then(
			reportedExceptions,
			() => undefined,
		),
	);
}

/** A sync whose list Pinterest no longer lets the connection see has nothing to read afterwards. */
function listStillReadable(failureCause: unknown): boolean {
	if (failureCause === undefined) return true;
	const kind = classifyFailure(failureCause);
	return kind !== 'notFound' && kind !== 'forbidden' && kind !== 'authExpired';
}

/** One sync's Metrics item and what it needs to look its list up. */
export interface SyncedList {
	metrics: IDataObject;
	failureCause?: unknown;
}

/** Adds `customerListExceptions` to each Metrics item whose list Pinterest reports errors for. */
export async function addListExceptions(
	context: IExecuteFunctions,
	synced: SyncedList[],
): Promise<void> {
	await Promise.all(
		synced.map(async ({ metrics, failureCause }) => {
			const { adAccountId, customerListId } = metrics;
			if (typeof customerListId !== 'string' || !listStillReadable(failureCause)) return;
			const exceptions = await exceptionsAfterSync(context, String(adAccountId), customerListId);
			if (exceptions) metrics.customerListExceptions = exceptions;
		}),
	);
}
