import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import * as createActalike from './audience/createActalike.operation';
import * as getAudience from './audience/getAudience.operation';
import * as listAudiences from './audience/listAudiences.operation';
import * as syncUsers from './syncUsers.operation';

type Operation = (
	this: IExecuteFunctions,
	items: INodeExecutionData[],
) => Promise<INodeExecutionData[][]>;

const operations: Record<string, Operation> = {
	syncUsers: syncUsers.execute,
	getAudience: getAudience.execute,
	listAudiences: listAudiences.execute,
	createActalike: createActalike.execute,
};

export async function router(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
	const operation = this.getNodeParameter('operation', 0) as string;
	const run = operations[operation];
	if (!run)
		throw new NodeOperationError(this.getNode(), `The operation "${operation}" is not supported`);
	return await run.call(this, this.getInputData());
}
