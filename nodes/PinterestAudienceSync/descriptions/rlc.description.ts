import type { INodeProperties } from 'n8n-workflow';

/** Pinterest IDs are strings of up to 18 digits (pinterest-api.md §1). */
export const PINTEREST_ID_REGEX = '^\\d{1,18}$';

export const adAccountRLC: INodeProperties = {
	displayName: 'Ad Account',
	name: 'adAccount',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The Pinterest ad account that owns the audiences',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select an ad account...',
			typeOptions: {
				searchListMethod: 'searchAdAccounts',
				searchable: true,
			},
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 549755885175',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: PINTEREST_ID_REGEX,
						errorMessage: 'Not a valid ad account ID: Pinterest IDs are up to 18 digits',
					},
				},
			],
		},
	],
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
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select an audience...',
			typeOptions: {
				searchListMethod: 'searchCustomerListAudiences',
				searchable: true,
			},
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 2542620639259',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: PINTEREST_ID_REGEX,
						errorMessage: 'Not a valid audience ID: Pinterest IDs are up to 18 digits',
					},
				},
			],
		},
	],
};

/** Any audience of the ad account (customer list, Actalike, visitor, engagement, persona). */
export const anyAudienceRLC: INodeProperties = {
	displayName: 'Audience',
	name: 'audience',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description: 'The audience to read',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select an audience...',
			typeOptions: {
				searchListMethod: 'searchAudiences',
				searchable: true,
			},
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 2542620639259',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: PINTEREST_ID_REGEX,
						errorMessage: 'Not a valid audience ID: Pinterest IDs are up to 18 digits',
					},
				},
			],
		},
	],
};

export const seedAudienceRLC: INodeProperties = {
	displayName: 'Seed Audience',
	name: 'seedAudience',
	type: 'resourceLocator',
	default: { mode: 'list', value: '' },
	required: true,
	description:
		'The customer-list audience whose people the Actalike audience should resemble, e.g. one this node syncs',
	modes: [
		{
			displayName: 'From List',
			name: 'list',
			type: 'list',
			placeholder: 'Select an audience...',
			typeOptions: {
				searchListMethod: 'searchCustomerListAudiences',
				searchable: true,
			},
		},
		{
			displayName: 'By ID',
			name: 'id',
			type: 'string',
			placeholder: 'e.g. 2542620639259',
			validation: [
				{
					type: 'regex',
					properties: {
						regex: PINTEREST_ID_REGEX,
						errorMessage: 'Not a valid audience ID: Pinterest IDs are up to 18 digits',
					},
				},
			],
		},
	],
};
