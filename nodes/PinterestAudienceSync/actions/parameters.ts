import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import type { MatchField } from '../engine/normalise';
import type { AudienceChoice, SyncAction, SyncSettings } from '../engine/sync';
import { DEFAULT_SYNC_SETTINGS } from '../engine/sync';

const PINTEREST_ID = /^\d{1,18}$/;
const MATCH_FIELDS: readonly MatchField[] = ['email', 'maid', 'idfa'];

export interface SyncParameters {
	adAccountId: string;
	audience: AudienceChoice;
	action: SyncAction;
	fields: MatchField[];
	settings: SyncSettings;
	writeStatus: boolean;
	/** Mirror: add every user again. */
	resendAll: boolean;
}

interface SyncOptions {
	batchSize?: number;
	requestsPerSecond?: number;
	retryWindowMinutes?: number;
	flushWindowSeconds?: number;
	requestTimeoutSeconds?: number;
	writeStatus?: boolean;
	resendAll?: boolean;
}

/** A resource locator's value, trimmed; '' when unset. */
export function locatorValue(context: IExecuteFunctions, name: string, itemIndex = 0): string {
	const value = context.getNodeParameter(name, itemIndex, '', { extractValue: true }) as unknown;
	return value === undefined || value === null ? '' : String(value).trim();
}

export function requirePinterestId(context: IExecuteFunctions, value: string, what: string, fix: string): string {
	if (!PINTEREST_ID.test(value)) {
		throw new NodeOperationError(
			context.getNode(),
			value === '' ? `No ${what} is selected` : `"${value}" is not a valid ${what} ID`,
			{ description: `Pinterest IDs are digits only. ${fix}` },
		);
	}
	return value;
}

function inRange(context: IExecuteFunctions, value: number, min: number, max: number, label: string): number {
	if (!Number.isFinite(value) || value < min || value > max) {
		throw new NodeOperationError(context.getNode(), `${label} must be between ${min} and ${max}`, {
			description: `It is ${value}. Change it under Options.`,
		});
	}
	return value;
}

/** Launch validation (product.md §3): everything is checked before any Pinterest call. */
export function readSyncParameters(context: IExecuteFunctions): SyncParameters {
	const adAccountId = requirePinterestId(context, locatorValue(context, 'adAccount'), 'ad account', 'Pick an ad account from the list or paste its ID.');
	const mode = context.getNodeParameter('audienceMode', 0) as string;
	let audience: AudienceChoice;
	if (mode === 'createNew') {
		const name = String(context.getNodeParameter('audienceName', 0, '') ?? '').trim();
		if (name === '') {
			throw new NodeOperationError(context.getNode(), 'The new audience has no name', {
				description: 'Enter a name under "Audience Name". The same name finds the same audience on later runs.',
			});
		}
		audience = { mode: 'createNew', name };
	} else {
		audience = {
			mode: 'existing',
			audienceId: requirePinterestId(context, locatorValue(context, 'audience'), 'audience', 'Pick an audience from the list, paste its ID, or choose "Create New Audience".'),
		};
	}
	const chosenAction = context.getNodeParameter('action', 0);
	const action: SyncAction = chosenAction === 'remove' || chosenAction === 'mirror' ? chosenAction : 'add';
	const chosen = context.getNodeParameter('matchFields', 0, []) as string[];
	const fields = MATCH_FIELDS.filter((field) => chosen.includes(field));
	if (fields.length === 0) {
		throw new NodeOperationError(context.getNode(), 'No field to match users by is selected', {
			description: 'Choose at least one of Email, Mobile Advertising ID or Apple IDFA under "Fields to Match".',
		});
	}
	const options = context.getNodeParameter('options', 0, {}) as SyncOptions;
	const d = DEFAULT_SYNC_SETTINGS;
	const settings: SyncSettings = {
		batchSize: Math.floor(inRange(context, options.batchSize ?? d.batchSize, 1, 1900, 'Batch Size')),
		requestsPerSecond: inRange(context, options.requestsPerSecond ?? d.requestsPerSecond, 0.1, 7, 'Requests per Second'),
		retryWindowMs: inRange(context, options.retryWindowMinutes ?? d.retryWindowMs / 60_000, 0, 780, 'Retry Window (Minutes)') * 60_000,
		flushWindowMs: inRange(context, options.flushWindowSeconds ?? d.flushWindowMs / 1000, 0, 60, 'Flush Window (Seconds)') * 1000,
		requestTimeoutMs: inRange(context, options.requestTimeoutSeconds ?? d.requestTimeoutMs / 1000, 1, 600, 'Request Timeout (Seconds)') * 1000,
	};
	return { adAccountId, audience, action, fields, settings, writeStatus: options.writeStatus === true, resendAll: action === 'mirror' && options.resendAll === true };
}

const FIELD_PARAMETER: Record<MatchField, string> = { email: 'emailValue', maid: 'maidValue', idfa: 'idfaValue' };
// `{{ $json.a.b }}` or `{{ $json["a"] }}`: the common mappings are read straight from the item, which is
// what n8n would evaluate them to, at a fraction of the cost of evaluating an expression per item.
const SIMPLE_JSON_PATH = /^=\{\{\s*\$json((?:\.[A-Za-z_$][\w$]*|\[\s*(?:'[^'\\]*'|"[^"\\]*")\s*\])+)\s*\}\}$/;
const PATH_SEGMENT = /\.([A-Za-z_$][\w$]*)|\[\s*(?:'([^']*)'|"([^"]*)")\s*\]/g;

function simplePath(raw: unknown): string[] | undefined {
	if (typeof raw !== 'string') return undefined;
	const match = SIMPLE_JSON_PATH.exec(raw);
	if (!match) return undefined;
	return [...match[1].matchAll(PATH_SEGMENT)].map((m) => m[1] ?? m[2] ?? m[3]);
}

function readPath(json: unknown, path: string[]): unknown {
	let value = json;
	for (const key of path) {
		if (value === null || typeof value !== 'object') return undefined;
		value = Object.prototype.hasOwnProperty.call(value, key) ? (value as Record<string, unknown>)[key] : undefined;
	}
	return value;
}

/** Reads each user's identifier for a field: straight from the item when the mapping is a plain path. */
export function identifierReader(
	context: IExecuteFunctions,
	items: INodeExecutionData[],
	fields: MatchField[],
): (userIndex: number, field: MatchField) => unknown {
	const paths = new Map<MatchField, string[] | undefined>();
	for (const field of fields) {
		paths.set(field, simplePath(context.getNodeParameter(FIELD_PARAMETER[field], 0, '', { rawExpressions: true })));
	}
	return (userIndex, field) => {
		const path = paths.get(field);
		if (path) return readPath(items[userIndex].json, path);
		return context.getNodeParameter(FIELD_PARAMETER[field], userIndex, undefined);
	};
}
