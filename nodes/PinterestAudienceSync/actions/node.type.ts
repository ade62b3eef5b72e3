import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

/** The node's operations, by the values of its Operation parameter (the node has no Resource). */
export type OperationName =
	| 'syncUsers'
	| 'getAudience'
	| 'listAudiences'
	| 'createActalike'
	| 'updateAudience'
	| 'archiveAudience';

/** An operation's own parameters, shown only while that operation is chosen. */
export function operationParameters(
	operation: OperationName,
	properties: INodeProperties[],
): INodeProperties[] {
	return updateDisplayOptions({ show: { operation: [operation] } }, properties);
}
