import type {
	IExecuteFunctions,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
} from 'n8n-workflow';
import { NodeConnectionTypes } from 'n8n-workflow';

import { router } from './actions/router';
import { nodeProperties } from './descriptions';
import { listSearch } from './methods';

export class PinterestAudienceSync implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Pinterest Audience Sync',
		name: 'pinterestAudienceSync',
		icon: { light: 'file:../../icons/pinterest.svg', dark: 'file:../../icons/pinterest.dark.svg' },
		group: ['output'],
		version: 1,
		subtitle:
			'={{ {"syncUsers": "Sync users", "getAudience": "Get audience", "listAudiences": "List audiences", "createActalike": "Create Actalike audience", "updateAudience": "Update audience", "archiveAudience": "Archive audience"}[$parameter["operation"]] }}',
		description:
			"Add or remove workflow users in a Pinterest ad audience (customer list), like Braze's Audience Sync to Pinterest",
		defaults: { name: 'Pinterest Audience Sync' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main, NodeConnectionTypes.Main],
		outputNames: ['Users', 'Metrics'],
		credentials: [{ name: 'pinterestOAuth2Api', required: true }],
		properties: nodeProperties,
	};

	methods = { listSearch };

	async execute(this: IExecuteFunctions): Promise<INodeExecutionData[][]> {
		return await router.call(this);
	}
}
