import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { PINTEREST_ID } from '../helpers/pinterestId';

/** A resource locator's value, trimmed; '' when unset. */
export function locatorValue(context: IExecuteFunctions, name: string, itemIndex = 0): string {
	const value = context.getNodeParameter(name, itemIndex, '', { extractValue: true }) as unknown;
	return value === undefined || value === null ? '' : String(value).trim();
}

/** What is wrong with a Pinterest ID a parameter gave, in a marketer's words; undefined when it is valid. */
export interface ParameterProblem {
	message: string;
	description: string;
}

// A value that may be a user's email or advertising ID is never quoted back (an expression mapped wrongly).
const LOOKS_LIKE_USER_IDENTIFIER = /@|[0-9a-f]{8}-[0-9a-f]{4}-|^[0-9a-f]{64}$/i;

/** A parameter's value as it may be shown in an error or a Metrics item; undefined when it must not be. */
export function showableValue(value: string): string | undefined {
	if (LOOKS_LIKE_USER_IDENTIFIER.test(value)) return undefined;
	return value.length > 80 ? `${value.slice(0, 77)}...` : value;
}

export function pinterestIdProblem(
	value: string,
	what: string,
	fix: string,
): ParameterProblem | undefined {
	if (PINTEREST_ID.test(value)) return undefined;
	const showable = showableValue(value);
	const shown = showable === undefined ? 'The value given' : `"${showable}"`;
	return {
		message: value === '' ? `No ${what} is selected` : `${shown} is not a valid ${what} ID`,
		description: `Pinterest IDs are digits only. ${fix}`,
	};
}

export function requirePinterestId(
	context: IExecuteFunctions,
	value: string,
	what: string,
	fix: string,
): string {
	const problem = pinterestIdProblem(value, what, fix);
	if (problem)
		throw new NodeOperationError(context.getNode(), problem.message, {
			description: problem.description,
		});
	return value;
}
