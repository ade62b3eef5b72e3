import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { Bounds } from '../../engine/pinterest';
import {
	BATCH_SIZE_BOUNDS,
	DEFAULT_BATCH_SIZE,
	DEFAULT_FLUSH_WINDOW_SECONDS,
	DEFAULT_REQUESTS_PER_SECOND,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	DEFAULT_RETRY_WINDOW_MINUTES,
	FLUSH_WINDOW_SECONDS_BOUNDS,
	MS_PER_MINUTE,
	MS_PER_SECOND,
	REQUESTS_PER_SECOND_BOUNDS,
	REQUEST_TIMEOUT_SECONDS_BOUNDS,
	RETRY_WINDOW_MINUTES_BOUNDS,
} from '../../engine/pinterest';
import type { MatchField } from '../../engine/users';
import type { SyncAction, SyncSettings } from '../../engine/sync';

const MATCH_FIELDS: readonly MatchField[] = ['email', 'maid', 'idfa'];

export interface SyncParameters {
	action: SyncAction;
	fields: MatchField[];
	settings: SyncSettings;
	writeStatus: boolean;
	/** Mirror: add every user again. */
	resendAll: boolean;
	/** Create New Audience: the description of the audience the node creates ('' for the default). */
	audienceDescription: string;
}

interface SyncOptions {
	batchSize?: number;
	requestsPerSecond?: number;
	retryWindowMinutes?: number;
	flushWindowSeconds?: number;
	requestTimeoutSeconds?: number;
	writeStatus?: boolean;
	resendAll?: boolean;
	audienceDescription?: string;
}

function inRange(context: IExecuteFunctions, value: number, bounds: Bounds, label: string): number {
	const { min, max } = bounds;
	if (!Number.isFinite(value) || value < min || value > max) {
		throw new NodeOperationError(context.getNode(), `${label} must be between ${min} and ${max}`, {
			description: `It is ${value}. Change it under Options.`,
		});
	}
	return value;
}

/** An unset option takes its default; the first option out of bounds (in this order) fails the node. */
function readSettings(context: IExecuteFunctions, options: SyncOptions): SyncSettings {
	const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
	const requestsPerSecond = options.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND;
	const retryWindowMinutes = options.retryWindowMinutes ?? DEFAULT_RETRY_WINDOW_MINUTES;
	const flushWindowSeconds = options.flushWindowSeconds ?? DEFAULT_FLUSH_WINDOW_SECONDS;
	const requestTimeoutSeconds = options.requestTimeoutSeconds ?? DEFAULT_REQUEST_TIMEOUT_SECONDS;
	return {
		batchSize: Math.floor(inRange(context, batchSize, BATCH_SIZE_BOUNDS, 'Batch Size')),
		requestsPerSecond: inRange(
			context,
			requestsPerSecond,
			REQUESTS_PER_SECOND_BOUNDS,
			'Requests per Second',
		),
		retryWindowMs:
			inRange(context, retryWindowMinutes, RETRY_WINDOW_MINUTES_BOUNDS, 'Retry Window (Minutes)') *
			MS_PER_MINUTE,
		flushWindowMs:
			inRange(context, flushWindowSeconds, FLUSH_WINDOW_SECONDS_BOUNDS, 'Flush Window (Seconds)') *
			MS_PER_SECOND,
		requestTimeoutMs:
			inRange(
				context,
				requestTimeoutSeconds,
				REQUEST_TIMEOUT_SECONDS_BOUNDS,
				'Request Timeout (Seconds)',
			) * MS_PER_SECOND,
	};
}

/**
 * Checks, before anything is sent, the parameters that are the same for every user; the target (ad
 * account, audience) may differ per item and is read by `readSyncTargets`.
 */
export function readSyncParameters(context: IExecuteFunctions): SyncParameters {
	const chosenAction = context.getNodeParameter('action', 0);
	const action: SyncAction =
		chosenAction === 'remove' || chosenAction === 'mirror' ? chosenAction : 'add';
	const chosenFields = context.getNodeParameter('matchFields', 0, []) as string[];
	const fields = MATCH_FIELDS.filter((field) => chosenFields.includes(field));
	if (fields.length === 0) {
		throw new NodeOperationError(context.getNode(), 'No field to match users by is selected', {
			description:
				'Choose at least one of Email, Mobile Advertising ID or Apple IDFA under "Fields to Match".',
		});
	}
	const options = context.getNodeParameter('options', 0, {}) as SyncOptions;
	return {
		action,
		fields,
		settings: readSettings(context, options),
		writeStatus: options.writeStatus === true,
		resendAll: action === 'mirror' && options.resendAll === true,
		audienceDescription:
			typeof options.audienceDescription === 'string' ? options.audienceDescription.trim() : '',
	};
}

const FIELD_PARAMETER: Record<MatchField, string> = {
	email: 'emailValue',
	maid: 'maidValue',
	idfa: 'idfaValue',
};
// `$json.a.b` or `$json["a"]`: the common mappings are read straight from the item, which is what n8n
// would evaluate them to, at a fraction of the cost of evaluating an expression per item.
const JSON_PATH = String.raw`\$json((?:\.[A-Za-z_$][\w$]*|\[\s*(?:'[^'\\]*'|"[^"\\]*")\s*\])+)`;
const SIMPLE_JSON_PATH = new RegExp(String.raw`^=\{\{\s*${JSON_PATH}\s*\}\}$`);
const TEMPLATE_PART = new RegExp(String.raw`\{\{\s*${JSON_PATH}\s*\}\}|\{\{`, 'g');
const PATH_SEGMENT = /\.([A-Za-z_$][\w$]*)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\]/g;

function pathSegments(path: string): string[] {
	return [...path.matchAll(PATH_SEGMENT)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function simplePath(raw: unknown): string[] | undefined {
	if (typeof raw !== 'string') return undefined;
	const match = SIMPLE_JSON_PATH.exec(raw);
	return match ? pathSegments(match[1]) : undefined;
}

function readPath(json: unknown, path: string[]): unknown {
	let value = json;
	for (const key of path) {
		if (value === null || typeof value !== 'object') return undefined;
		value = Object.prototype.hasOwnProperty.call(value, key)
			? (value as Record<string, unknown>)[key]
			: undefined;
	}
	return value;
}

/**
 * Renders a text expression made of literal text and `{{ $json.path }}` parts straight from an item,
 * e.g. `={{ $json.country }} – high value`. Undefined when the expression is anything else, or when an
 * item's value is not text or a number: then n8n must evaluate it (objects and missing values render in
 * n8n's own way).
 */
export type ItemTemplate = (json: unknown) => string | undefined;

export function itemTemplate(raw: string): ItemTemplate | undefined {
	if (!raw.startsWith('=')) return undefined;
	const body = raw.slice(1);
	const literals: string[] = [];
	const paths: string[][] = [];
	let last = 0;
	for (const match of body.matchAll(TEMPLATE_PART)) {
		if (match[1] === undefined) return undefined;
		literals.push(body.slice(last, match.index));
		paths.push(pathSegments(match[1]));
		last = (match.index ?? 0) + match[0].length;
	}
	const tail = body.slice(last);
	if (paths.length === 0 || tail.includes('}}')) return undefined;
	return (json) => {
		let text = '';
		for (let part = 0; part < paths.length; part++) {
			const value = readPath(json, paths[part]);
			if (typeof value === 'string') text += literals[part] + value;
			else if (typeof value === 'number' && Number.isFinite(value))
				text += literals[part] + String(value);
			else return undefined;
		}
		return text + tail;
	};
}

/** Reads each user's identifier for a field: straight from the item when the mapping is a plain path. */
export function identifierReader(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	fields: MatchField[],
): (userIndex: number, field: MatchField) => unknown {
	const paths = new Map<MatchField, string[] | undefined>();
	for (const field of fields) {
		paths.set(
			field,
			simplePath(context.getNodeParameter(FIELD_PARAMETER[field], 0, '', { rawExpressions: true })),
		);
	}
	return (userIndex, field) => {
		const path = paths.get(field);
		if (path) return readPath(items[userIndex].json, path);
		return context.getNodeParameter(FIELD_PARAMETER[field], userIndex, undefined);
	};
}
