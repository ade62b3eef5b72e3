import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import { anyAudienceRLC, seedAudienceRLC } from './rlc.description';

/* -------------------------------------------------------------------------- */
/*                                 getAudience                                */
/* -------------------------------------------------------------------------- */

export const getAudienceDescription: INodeProperties[] = updateDisplayOptions(
	{ show: { operation: ['getAudience'] } },
	[anyAudienceRLC],
);

/* -------------------------------------------------------------------------- */
/*                                listAudiences                               */
/* -------------------------------------------------------------------------- */

const listAudiencesProperties: INodeProperties[] = [
	{
		displayName: 'Return All',
		name: 'returnAll',
		type: 'boolean',
		default: false,
		description: 'Whether to return all results or only up to a given limit',
	},
	{
		displayName: 'Limit',
		name: 'limit',
		type: 'number',
		default: 50,
		typeOptions: {
			minValue: 1,
		},
		description: 'Max number of results to return',
		displayOptions: {
			show: {
				returnAll: [false],
			},
		},
	},
	{
		displayName: 'Filters',
		name: 'filters',
		type: 'collection',
		placeholder: 'Add Filter',
		default: {},
		options: [
			{
				displayName: 'Audience Type',
				name: 'audienceType',
				type: 'options',
				options: [
					{
						name: 'Actalike',
						value: 'ACTALIKE',
						description: 'Lookalike audiences seeded from another audience',
					},
					{
						name: 'Customer List',
						value: 'CUSTOMER_LIST',
						description:
							'Audiences built from uploaded customer lists, like the ones this node syncs',
					},
					{
						name: 'Engagement',
						value: 'ENGAGEMENT',
						description: 'People who engaged with your Pins',
					},
					{
						name: 'Persona',
						value: 'PERSONA',
						description: 'Audiences based on Pinterest personas',
					},
					{
						name: 'Visitor',
						value: 'VISITOR',
						description: 'People who visited your website',
					},
				],
				default: 'CUSTOMER_LIST',
				description: 'Only return audiences of this type',
			},
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				placeholder: 'e.g. VIP',
				description: 'Only return audiences whose name contains this text (not case-sensitive)',
			},
		],
	},
];

export const listAudiencesDescription: INodeProperties[] = updateDisplayOptions(
	{ show: { operation: ['listAudiences'] } },
	listAudiencesProperties,
);

/* -------------------------------------------------------------------------- */
/*                               createActalike                               */
/* -------------------------------------------------------------------------- */

const createActalikeProperties: INodeProperties[] = [
	seedAudienceRLC,
	{
		displayName: 'Actalike Audience Name',
		name: 'actalikeName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. High-value customers – Actalike',
		description:
			'Name of the new Actalike audience in Pinterest Ads Manager. With several countries, each audience gets the country code appended, e.g. "VIP – Actalike (US)". An Actalike audience that already has the name is reused, not duplicated.',
	},
	{
		displayName: 'Countries',
		name: 'countries',
		type: 'multiOptions',
		options: [
			{
				name: 'Canada',
				value: 'CA',
			},
			{
				name: 'United Kingdom',
				value: 'GB',
			},
			{
				name: 'United States',
				value: 'US',
			},
		],
		default: ['US'],
		required: true,
		description:
			'Where to find people like the seed audience. Pinterest builds an Actalike audience for one country at a time, so one audience is created for each country you pick.',
	},
	{
		displayName: 'Percentage',
		name: 'percentage',
		type: 'number',
		default: 5,
		typeOptions: {
			minValue: 1,
			maxValue: 10,
		},
		description:
			"Size of the Actalike audience as a share of the country's Pinterest users: 1 % is closest to the seed audience, 10 % reaches the most people",
	},
];

export const createActalikeDescription: INodeProperties[] = updateDisplayOptions(
	{ show: { operation: ['createActalike'] } },
	createActalikeProperties,
);
