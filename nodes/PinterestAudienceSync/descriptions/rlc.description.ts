import type { INodeProperties, INodePropertyMode } from 'n8n-workflow';

import { PINTEREST_ID_PATTERN } from '../helpers/pinterestId';

/** The two ways to pick a Pinterest object: searched in a list, or typed as an ID (checked as one). */
function listOrIdModes(
	searchListMethod: string,
	what: 'ad account' | 'audience',
	exampleId: string,
): { modes: INodePropertyMode[] } {
	return {
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: `Select an ${what}...`,
				typeOptions: {
					searchListMethod,
					searchable: true,
				},
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: `e.g. ${exampleId}`,
				validation: [
					{
						type: 'regex',
						properties: {
							regex: PINTEREST_ID_PATTERN,
							errorMessage: `Not a valid ${what} ID: Pinterest IDs are up to 18 digits`,
						},
					},
				],
			},
		],
	};
}

export const adAccountRLC: INodeProperties = {
	displayName: 'Ad Account',
	name: 'adAccount',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The Pinterest ad account that owns the audiences',
	...listOrIdModes('searchAdAccounts', 'ad account', '549755885175'),
};

/** Customer-list audiences only: the ones users can be added to or removed from. */
export const customerListAudienceRLC: INodeProperties = {
	displayName: 'Existing Audience',
	name: 'audience',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description:
		'A customer-list audience of the ad account. The list shows only customer-list audiences, because only those take users.',
	...listOrIdModes('searchCustomerListAudiences', 'audience', '2542620639259'),
};

/** Any audience of the ad account (customer list, Actalike, visitor, engagement, persona). */
export const anyAudienceRLC: INodeProperties = {
	displayName: 'Audience',
	name: 'audience',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The audience to read',
	...listOrIdModes('searchAudiences', 'audience', '2542620639259'),
};

export const seedAudienceRLC: INodeProperties = {
	displayName: 'Seed Audience',
	name: 'seedAudience',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description:
		'The customer-list audience whose people the Actalike audience should resemble, e.g. one this node syncs',
	...listOrIdModes('searchCustomerListAudiences', 'audience', '2542620639259'),
};
