import type { INode, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { PinterestApiError } from '../engine/pinterest';
import type { FailureContext } from '../engine/messages';
import { describeFailure } from '../engine/messages';

/**
 * A failed Pinterest call as the n8n error the editor shows: the engine's marketer message, with
 * Pinterest's own words as the description. Errors that are n8n's already pass through unchanged.
 */
export function pinterestNodeError(
	node: INode,
	error: unknown,
	context: FailureContext,
	itemIndex?: number,
): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	const at = itemIndex === undefined ? {} : { itemIndex };
	if (!(error instanceof PinterestApiError))
		return new NodeOperationError(node, error instanceof Error ? error.message : String(error), at);
	const { message } = describeFailure(error, context);
	const httpCode = error.status !== undefined ? String(error.status) : undefined;
	const response: JsonObject = { message };
	if (httpCode !== undefined) response.httpCode = httpCode;
	if (error.pinterestCode !== undefined) response.pinterestCode = error.pinterestCode;
	return new NodeApiError(node, response, {
		message,
		description: error.pinterestMessage ? `Pinterest says: ${error.pinterestMessage}` : undefined,
		httpCode,
		...at,
	});
}
