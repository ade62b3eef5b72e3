/**
 * Shared parts of the audience operations (Get Audience, List Audiences, Create Actalike Audience):
 * parameter reading, the audience summary marketers see, their Pinterest calls (the node's one request
 * path, with a few retries for these low-volume calls), and failures in a marketer's words.
 */
import type {
	IDataObject,
	IExecuteFunctions,
	INodeExecutionData,
	INodeProperties,
	NodeApiError,
} from 'n8n-workflow';
import { NodeOperationError, deepCopy } from 'n8n-workflow';

import type { HttpMethod, PinterestAudience } from '../../engine/pinterest';
import type { FailureContext } from '../../engine/messages';
import { pinterestNodeError } from '../../helpers/nodeErrors';
import type { ApiRequestOptions } from '../../transport';
import { pinterestApiPages, pinterestApiRequest } from '../../transport';
import { locatorValue, requirePinterestId } from '../parameters';

export { assertAudienceEnvironment } from '../environment';

/** Shown whenever Pinterest does not (yet) reveal an audience's size. */
export const SIZE_EXPLANATION =
	"Pinterest shows an audience's size once about 100 of its users are matched; sizes update within 24–48 hours.";

/** Every audience operation answers on the first output; the second (Metrics) stays empty. */
export function onFirstOutput(items: INodeExecutionData[]): INodeExecutionData[][] {
	return [items, []];
}

export function readAdAccountId(context: IExecuteFunctions, itemIndex: number): string {
	return requirePinterestId(
		context,
		locatorValue(context, 'adAccount', itemIndex),
		'ad account',
		'Pick an ad account from the list or paste its ID.',
	);
}

/** What a marketer needs to know about an audience; the same shape for Get and List. */
export function audienceSummary(audience: PinterestAudience, adAccountId: string): IDataObject {
	const size = typeof audience.size === 'number' ? audience.size : null;
	const status = audience.status ?? null;
	const summary: IDataObject = {
		id: audience.id,
		name: audience.name ?? '',
		type: audience.audience_type ?? null,
		status,
		size,
		sizeShown: size !== null,
	};
	if (size === null || status === 'TOO_SMALL' || status === 'INITIALIZING')
		summary.explanation = SIZE_EXPLANATION;
	summary.description = audience.description ?? null;
	summary.adAccountId = audience.ad_account_id ?? adAccountId;
	return summary;
}

/** One Pinterest call of an audience operation (see pinterestApiRequest). */
export async function apiRequest<T>(
	context: IExecuteFunctions,
	method: HttpMethod,
	path: string,
	options: ApiRequestOptions<T> = {},
): Promise<T> {
	const request = pinterestApiRequest<T>;
	return await request.call(context, method, path, options);
}

/**
 * Walks the audiences of an ad account page by page and stops as soon as `visit` returns true. `query`
 * picks Pinterest's list: e.g. `ownership_type: 'RECEIVED'` for those shared with the ad account.
 */
export async function walkAudiences(
	context: IExecuteFunctions,
	adAccountId: string,
	visit: (audience: PinterestAudience) => boolean,
	query: Record<string, string> = {},
): Promise<void> {
	const pages = pinterestApiPages<PinterestAudience>;
	const path = `/ad_accounts/${adAccountId}/audiences`;
	for await (const page of pages.call(context, path, null, query)) {
		for (const audience of page.items) {
			if (!audience || typeof audience.id !== 'string') continue;
			if (visit(audience)) return;
		}
	}
}

/** What an item's failure is about, filled in as the item is read. */
export interface FailureSubject extends FailureContext {
	adAccountId: string;
	itemIndex: number;
}

/** A failed call as an n8n error a marketer can act on (see describeFailure). */
export function toNodeError(
	context: IExecuteFunctions,
	error: unknown,
	subject: FailureSubject,
): NodeApiError | NodeOperationError {
	const { itemIndex, ...where } = subject;
	// The audience operations have no "Create New Audience" to offer.
	return pinterestNodeError(
		context.getNode(),
		error,
		{ ...where, offersCreateNew: false },
		itemIndex,
	);
}

/** The message of an error as continueOnFail puts it on the item. */
export function errorItem(error: unknown, itemIndex: number): INodeExecutionData {
	return {
		json: { error: error instanceof Error ? error.message : String(error) },
		pairedItem: { item: itemIndex },
	};
}

/** Reads a thing once per execution, however many items ask for it. */
export type OncePerExecution = <T>(key: string, load: () => Promise<T>) => Promise<T>;

/**
 * The audience operations' item loop. `perItem` gives an input item's output items, loading what several
 * items share through `once`, and fills `subject` as it learns what the item is about, so that a failure
 * names it. A failure stops the node unless "On Error" says continue; then it is the item's error item.
 */
export async function outputPerItem(
	context: IExecuteFunctions,
	itemCount: number,
	perItem: (
		itemIndex: number,
		subject: FailureSubject,
		once: OncePerExecution,
	) => Promise<IDataObject | IDataObject[]>,
): Promise<INodeExecutionData[][]> {
	const loads = new Map<string, Promise<unknown>>();
	const once: OncePerExecution = async <T>(key: string, load: () => Promise<T>): Promise<T> => {
		let pending = loads.get(key) as Promise<T> | undefined;
		if (!pending) {
			pending = load();
			loads.set(key, pending);
		}
		return await pending;
	};
	const results: INodeExecutionData[] = [];
	for (let i = 0; i < itemCount; i++) {
		const subject: FailureSubject = { adAccountId: '', itemIndex: i };
		try {
			const output = await perItem(i, subject, once);
			for (const json of Array.isArray(output) ? output : [output])
				results.push({ json: deepCopy(json), pairedItem: { item: i } });
		} catch (error) {
			const nodeError = toNodeError(context, error, subject);
			if (!context.continueOnFail()) throw nodeError;
			results.push(errorItem(nodeError, i));
		}
	}
	return onFirstOutput(results);
}

/** An item refused before any call: what is wrong, and what to do. */
export function invalidItem(
	context: IExecuteFunctions,
	itemIndex: number,
	message: string,
	description: string,
): NodeOperationError {
	return new NodeOperationError(context.getNode(), message, { description, itemIndex });
}

/** The percentage of an Actalike audience as the editor asks for it (Create Actalike, Update Audience). */
export const actalikePercentageProperty = {
	name: 'percentage',
	type: 'number',
	default: 5,
	typeOptions: {
		minValue: 1,
		maxValue: 10,
	},
	description:
		"Size of the Actalike audience as a share of the country's Pinterest users: 1 % is closest to the seed audience, 10 % reaches the most people",
} satisfies Omit<INodeProperties, 'displayName'>;

/** An Actalike percentage as Pinterest takes it: a whole number from 1 to 10 (numeric text counts). */
export function actalikePercentage(
	context: IExecuteFunctions,
	itemIndex: number,
	raw: unknown,
	label: string,
): number {
	const value =
		typeof raw === 'number'
			? raw
			: typeof raw === 'string' && raw.trim() !== ''
				? Number(raw.trim())
				: Number.NaN;
	if (!Number.isInteger(value) || value < 1 || value > 10) {
		throw invalidItem(
			context,
			itemIndex,
			`${label} must be a whole number from 1 to 10 (it is ${String(raw)})`,
			"Pinterest sizes an Actalike audience as 1 % to 10 % of the country's Pinterest users: 1 is closest to the seed audience, 10 reaches the most people.",
		);
	}
	return value;
}

/** Reads an audience of the ad account (404 when it is archived, deleted or not the account's own). */
export async function readAudience(
	context: IExecuteFunctions,
	adAccountId: string,
	audienceId: string,
): Promise<PinterestAudience> {
	return await apiRequest<PinterestAudience>(
		context,
		'GET',
		`/ad_accounts/${adAccountId}/audiences/${audienceId}`,
	);
}

/** The audience an item names (Audience: from the list or by ID), checked as a Pinterest ID. */
export function readAudienceId(context: IExecuteFunctions, itemIndex: number): string {
	return requirePinterestId(
		context,
		locatorValue(context, 'audience', itemIndex),
		'audience',
		'Pick an audience from the list or paste its ID.',
	);
}

/**
 * The item loop of the operations on one audience an item names (Get, Archive): the ad account and the
 * audience are read per item; items naming the same audience share one `work`. `about` adds to what a
 * failure message says (e.g. that the item was archiving).
 */
export async function outputPerAudience(
	context: IExecuteFunctions,
	itemCount: number,
	work: (adAccountId: string, audienceId: string, subject: FailureSubject) => Promise<IDataObject>,
	about: Partial<FailureContext> = {},
): Promise<INodeExecutionData[][]> {
	return await outputPerItem(context, itemCount, async (i, subject, once) => {
		const adAccountId = readAdAccountId(context, i);
		Object.assign(subject, about, { adAccountId });
		const audienceId = readAudienceId(context, i);
		subject.audienceId = audienceId;
		return await once(`${adAccountId}/${audienceId}`, () => work(adAccountId, audienceId, subject));
	});
}
