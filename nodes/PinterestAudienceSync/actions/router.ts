import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import * as archiveAudience from './audience/archiveAudience.operation';
import * as createActalike from './audience/createActalike.operation';
import * as getAudience from './audience/getAudience.operation';
import * as listAudiences from './audience/listAudiences.operation';
import * as updateAudience from './audience/updateAudience.operation';
import type { OperationName } from './node.type';
import * as syncUsers from './syncUsers';

type Operation = (
	this: IExecuteFunctions,
	items: INodeExecutionData[],
) => Promise<INodeExecutionData[][]>;

const operations: Record<OperationName, Operation> = {
	syncUsers: syncUsers.execute,
	getAudience: getAudience.execute,
	listAudiences: listAudiences.execute,
	createActalike: createActalike.execute,
	updateAudience: updateAudience.execute,
	archiveAudience: archiveAudience.execute,
};

/** A saved workflow may name an operation this version does not have. */
function isOperationName(name: string): name is OperationName {
	return Object.prototype.hasOwnProperty.call(operations, name);
}

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	if (!isOperationName(operation))
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	return await operations[operation].call(this, this.getInputData());
}
