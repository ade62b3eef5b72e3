import type { INodeProperties, INodePropertyOptions } from 'n8n-workflow';

import * as archiveAudience from '../actions/audience/archiveAudience.operation';
import * as createActalike from '../actions/audience/createActalike.operation';
import * as getAudience from '../actions/audience/getAudience.operation';
import * as listAudiences from '../actions/audience/listAudiences.operation';
import * as updateAudience from '../actions/audience/updateAudience.operation';
import type { OperationName } from '../actions/node.type';
import { adAccountRLC } from './rlc.description';
import * as syncUsers from '../actions/syncUsers';

export * from './rlc.description';

const operationOptions: Array<INodePropertyOptions & { value: OperationName }> = [
	{
		name: 'Archive Audience',
		value: 'archiveAudience',
		description: 'Archive an audience (Pinterest\'s "remove"): it can no longer be used in ads',
		action: 'Archive an audience',
	},
	{
		name: 'Create Actalike Audience',
		value: 'createActalike',
		description: 'Create an Actalike (lookalike) audience seeded from a customer-list audience',
		action: 'Create an actalike audience',
	},
	{
		name: 'Get Audience',
		value: 'getAudience',
		description: 'Get one audience with its size and status',
		action: 'Get an audience',
	},
	{
		name: 'List Audiences',
		value: 'listAudiences',
		description: 'List the audiences of an ad account, and those shared with it',
		action: 'List audiences',
	},
	{
		name: 'Sync Users',
		value: 'syncUsers',
		description:
			'Add the users who reach this step to a Pinterest audience, or remove them from it',
		action: 'Sync users to an audience',
	},
	{
		name: 'Update Audience',
		value: 'updateAudience',
		description: "Change an audience's name, description or Actalike percentage",
		action: 'Update an audience',
	},
];

const defaultOperation: OperationName = 'syncUsers';

export const operationProperty: INodeProperties = {
	displayName: 'Operation',
	name: 'operation',
	type: 'options',
	noDataExpression: true,
	options: operationOptions,
	default: defaultOperation,
};

/**
 * All node parameters, in the order the editor shows them. For Sync Users this follows Braze's
 * Canvas step: ad account, audience (new or existing), action, fields to match, options.
 */
export const nodeProperties: INodeProperties[] = [
	operationProperty,
	adAccountRLC,
	...syncUsers.description,
	...getAudience.description,
	...listAudiences.description,
	...createActalike.description,
	...updateAudience.description,
	...archiveAudience.description,
];
