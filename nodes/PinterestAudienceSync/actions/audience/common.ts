/**
 * Shared parts of the audience operations (Get Audience, List Audiences, Create Actalike Audience,
 * product.md §6): parameter reading, the audience summary marketers see, a few retries for these
 * low-volume calls, and Pinterest failures in a marketer's words.
 */
import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError, deepCopy } from 'n8n-workflow';

import type { HttpMethod } from '../../engine/client';
import { PinterestApiError, classifyFailure, isRetryable } from '../../engine/errors';
import { backoffDelay, sleep } from '../../engine/retry';
import type { PinterestAudience, PinterestPage } from '../../helpers/interfaces';
import {
	CREDENTIAL_TYPE,
	apiBaseUrlFor,
	pinterestApiPage,
	pinterestApiRequest,
} from '../../transport';
import { locatorValue, requirePinterestId } from '../parameters';

/** Shown whenever Pinterest does not (yet) reveal an audience's size. */
export const SIZE_EXPLANATION =
	"Pinterest shows an audience's size once about 100 of its users are matched; sizes update within 24–48 hours.";

/** Attempts per call: the first one and up to three retries on 429, 5xx, timeouts and resets. */
const MAX_ATTEMPTS = 4;
const RETRY_POLICY = { baseDelayMs: 500, maxDelayMs: 10_000, deadline: Number.POSITIVE_INFINITY };

/** The wait before retry number `attempt` (1-based): Pinterest's own wait when it names one. */
function retryDelay(attempt: number, error: unknown): number {
	const retryAfterMs = error instanceof PinterestApiError ? error.retryAfterMs : undefined;
	return backoffDelay(attempt - 1, RETRY_POLICY, retryAfterMs);
}

/** Every audience operation answers on the first output; the second (Metrics) stays empty. */
export function onFirstOutput(items: INodeExecutionData[]): INodeExecutionData[][] {
	return [items, []];
}

/** Audiences and customer lists do not exist in Pinterest's sandbox (pinterest-api.md §0). */
export async function assertAudienceEnvironment(context: IExecuteFunctions): Promise<void> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	if (credentials.environment === 'sandbox') {
		throw new NodeOperationError(context.getNode(), "Pinterest's sandbox has no audiences", {
			description:
				'Audience operations only work against production Pinterest (or a Custom Base URL such as the bundled emulator). Change the environment of the Pinterest credential.',
		});
	}
	if (
		credentials.environment === 'custom' &&
		!/^https?:\/\/[^/]+/.test(apiBaseUrlFor(credentials))
	) {
		throw new NodeOperationError(
			context.getNode(),
			'The Pinterest credential has no valid Custom Base URL',
			{
				description:
					'Enter an address such as http://127.0.0.1:8787 in the credential, or choose the Production environment.',
			},
		);
	}
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

/**
 * One Pinterest call with n8n's token handling (a 401 refreshes the token once), retried a few times
 * on rate limits and transient failures, honouring Pinterest's wait when it names one. `beforeRetry`
 * may find that a failed call happened after all (a create whose answer was lost): its result is then
 * the call's.
 */
export async function withRetries<T>(
	context: IExecuteFunctions,
	call: () => Promise<T>,
	beforeRetry?: () => Promise<T | undefined>,
): Promise<T> {
	for (let attempt = 1; ; attempt++) {
		try {
			return await call();
		} catch (error) {
			if (attempt >= MAX_ATTEMPTS || !isRetryable(classifyFailure(error))) throw error;
			if (context.getExecutionCancelSignal?.()?.aborted) throw error;
			await sleep(retryDelay(attempt, error));
			const happened = await beforeRetry?.();
			if (happened !== undefined) return happened;
		}
	}
}

export async function apiRequest<T>(
	context: IExecuteFunctions,
	method: HttpMethod,
	path: string,
	options: { qs?: Record<string, string | number | boolean>; body?: object } = {},
	beforeRetry?: () => Promise<T | undefined>,
): Promise<T> {
	return await withRetries(
		context,
		async () =>
			await pinterestApiRequest.call<
				IExecuteFunctions,
				[HttpMethod, string, typeof options],
				Promise<T>
			>(context, method, path, options),
		beforeRetry,
	);
}

export async function apiPage<T>(
	context: IExecuteFunctions,
	path: string,
	bookmark: string | null,
): Promise<PinterestPage<T>> {
	const qs: Record<string, string | number> = { page_size: 250 };
	if (bookmark !== null) qs.bookmark = bookmark;
	return await withRetries(
		context,
		async () =>
			await pinterestApiPage.call<
				IExecuteFunctions,
				[string, typeof qs],
				Promise<PinterestPage<T>>
			>(context, path, qs),
	);
}

/**
 * Walks the audiences of an ad account page by page (bookmark pagination, 250 per page) and stops as
 * soon as `visit` returns true.
 */
export async function walkAudiences(
	context: IExecuteFunctions,
	adAccountId: string,
	visit: (audience: PinterestAudience) => boolean,
): Promise<void> {
	let bookmark: string | null = null;
	do {
		const page: PinterestPage<PinterestAudience> = await apiPage<PinterestAudience>(
			context,
			`/ad_accounts/${adAccountId}/audiences`,
			bookmark,
		);
		for (const audience of page.items) {
			if (!audience || typeof audience.id !== 'string') continue;
			if (visit(audience)) return;
		}
		bookmark = page.bookmark || null;
	} while (bookmark !== null);
}

export interface FailureSubject {
	adAccountId: string;
	/** What the audience is to the marketer, e.g. "audience" or "seed audience". */
	role?: string;
	audienceId?: string;
	audienceName?: string;
	itemIndex: number;
}

function subjectLabel(subject: FailureSubject): string {
	const role = subject.role ?? 'audience';
	if (subject.audienceName && subject.audienceId)
		return `${role} "${subject.audienceName}" (ID ${subject.audienceId})`;
	if (subject.audienceId) return `${role} ${subject.audienceId}`;
	return `the ${role}`;
}

function capitalise(text: string): string {
	return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * A failed call as an n8n error a marketer can act on: what happened, to which ad account and audience,
 * and what to do. Pinterest's own message is kept as the description; tokens never appear.
 */
export function toNodeError(
	context: IExecuteFunctions,
	error: unknown,
	subject: FailureSubject,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	if (!(error instanceof PinterestApiError)) {
		return new NodeOperationError(
			context.getNode(),
			error instanceof Error ? error.message : String(error),
			{ itemIndex: subject.itemIndex },
		);
	}
	const account = `ad account ${subject.adAccountId}`;
	const label = subjectLabel(subject);
	let message: string;
	switch (classifyFailure(error)) {
		case 'authExpired':
			message = `Pinterest rejected the connection's access to ${account}: the token was revoked or can no longer be refreshed. Reconnect the Pinterest credential in n8n, then run the workflow again.`;
			break;
		case 'forbidden':
			message = `The connected Pinterest user may not manage audiences in ${account}. Ask an owner of the ad account for the Owner, Admin or Audience Manager role, or pick another ad account.`;
			break;
		case 'notFound':
			message =
				/ad ?account/i.test(error.pinterestMessage ?? '') || subject.audienceId === undefined
					? `Pinterest does not know ${account} (deleted, or not shared with the connected user). Pick another ad account.`
					: `${capitalise(label)} was not found in ${account}; it may have been deleted on Pinterest. Pick another audience.`;
			break;
		case 'rateLimited':
			message = `Pinterest kept answering "too many requests" for ${account}. Wait a minute and run the workflow again.`;
			break;
		case 'transient':
			message = `Pinterest could not be reached for ${account} (${error.network ?? `HTTP ${error.status ?? 'error'}`}). Run the workflow again later.`;
			break;
		case 'invalidRequest':
			message = `Pinterest refused the request for ${label} in ${account}${error.pinterestMessage ? `: ${error.pinterestMessage}` : ''}. Check the node's settings.`;
			break;
		default:
			message = `The request for ${label} in ${account} failed unexpectedly. Run the workflow again; if it keeps failing, report it with the execution ID.`;
	}
	const response: JsonObject = { message };
	if (error.status !== undefined) response.httpCode = String(error.status);
	if (error.pinterestCode !== undefined) response.pinterestCode = error.pinterestCode;
	return new NodeApiError(context.getNode(), response, {
		message,
		description: error.pinterestMessage ? `Pinterest says: ${error.pinterestMessage}` : undefined,
		httpCode: error.status !== undefined ? String(error.status) : undefined,
		itemIndex: subject.itemIndex,
	});
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

/**
 * Runs `work` once per key in this process at a time, so that concurrent executions (or items) do not
 * both decide that an audience is missing and create it twice.
 */
const locks = new Map<string, Promise<void>>();

export async function withLock<T>(key: string, work: () => Promise<T>): Promise<T> {
	const previous = locks.get(key) ?? Promise.resolve();
	let release = (): void => undefined;
	const held = new Promise<void>((resolve) => {
		release = resolve;
	});
	const tail = previous.then(async () => await held);
	locks.set(key, tail);
	await previous;
	try {
		return await work();
	} finally {
		release();
		if (locks.get(key) === tail) locks.delete(key);
	}
}
