import type { INodeProperties } from 'n8n-workflow';
import { updateDisplayOptions } from 'n8n-workflow';

import type { Bounds } from '../../engine/pinterest';
import {
	BATCH_SIZE_BOUNDS,
	DEFAULT_BATCH_SIZE,
	DEFAULT_FLUSH_WINDOW_SECONDS,
	DEFAULT_REQUESTS_PER_SECOND,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	DEFAULT_RETRY_WINDOW_MINUTES,
	FLUSH_WINDOW_SECONDS_BOUNDS,
	REQUESTS_PER_SECOND_BOUNDS,
	REQUEST_TIMEOUT_SECONDS_BOUNDS,
	RETRY_WINDOW_MINUTES_BOUNDS,
} from '../../engine/pinterest';
import { customerListAudienceRLC } from '../../descriptions/rlc.description';

/** A numeric option's bounds, as the editor enforces them. */
function editorBounds(bounds: Bounds): INodeProperties['typeOptions'] {
	return { minValue: bounds.min, maxValue: bounds.max };
}

const hashingNote =
	'Raw values are normalised and SHA-256-hashed inside n8n before anything is sent; a 64-character hexadecimal SHA-256 value is taken as already hashed. Users without a usable value are counted as Not Synced';

const properties: INodeProperties[] = [
	{
		displayName: 'Audience',
		name: 'audienceMode',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Create New Audience',
				value: 'createNew',
				description:
					'Create a customer list and its audience on the first run, then keep using them',
			},
			{
				name: 'Existing Audience',
				value: 'existing',
				description: 'Add users to, or remove them from, a customer-list audience you already have',
			},
		],
		default: 'createNew',
		description: 'Whether users go into a new audience or into one that already exists',
	},
	{
		displayName: 'New Audience Name',
		name: 'audienceName',
		type: 'string',
		default: '',
		required: true,
		placeholder: 'e.g. High-value customers',
		description:
			'Name of the audience in Pinterest Ads Manager. The customer list and its audience are created under this name the first time and reused on later runs, so re-running never makes duplicates. As an expression (e.g. reading the segment of each item) it sends each user to the audience their own item names.',
		displayOptions: {
			show: {
				audienceMode: ['createNew'],
			},
		},
	},
	{
		...customerListAudienceRLC,
		displayOptions: {
			show: {
				audienceMode: ['existing'],
			},
		},
	},
	{
		displayName: 'Action',
		name: 'action',
		type: 'options',
		noDataExpression: true,
		options: [
			{
				name: 'Add Users to Audience',
				value: 'add',
				description: 'Add the users who reach this step to the audience',
				action: 'Add users to an audience',
			},
			{
				name: 'Mirror (Make Audience Match Input)',
				value: 'mirror',
				description:
					'The users who reach this step are the whole audience: add those new since the last mirror, remove those who are gone, leave the rest alone',
				action: 'Make an audience match the input',
			},
			{
				name: 'Remove Users From Audience',
				value: 'remove',
				description:
					'Remove the users who reach this step from the audience, e.g. after a purchase',
				action: 'Remove users from an audience',
			},
		],
		default: 'add',
	},
	{
		displayName: 'Fields to Match',
		name: 'matchFields',
		type: 'multiOptions',
		options: [
			{
				name: 'Apple IDFA',
				value: 'idfa',
				description: "Apple's Identifier for Advertisers",
			},
			{
				name: 'Email',
				value: 'email',
			},
			{
				name: 'Mobile Advertising ID (GAID/AAID)',
				value: 'maid',
				description: "Google's advertising ID of an Android device",
			},
		],
		default: ['email'],
		required: true,
		description:
			'Identifiers Pinterest uses to find the users. Sending more than one improves the match rate.',
	},
	{
		displayName: 'Email',
		name: 'emailValue',
		type: 'string',
		default: '={{ $json.email }}',
		placeholder: 'e.g. {{ $json.email }}',
		description: `Email address of the user, usually an expression that reads it from the incoming item. ${hashingNote}.`,
		displayOptions: {
			show: {
				matchFields: ['email'],
			},
		},
	},
	{
		displayName: 'Mobile Advertising ID',
		name: 'maidValue',
		type: 'string',
		default: '={{ $json.maid }}',
		placeholder: 'e.g. {{ $json.maid }}',
		description: `Google advertising ID (GAID/AAID) of the user's Android device. ${hashingNote}.`,
		displayOptions: {
			show: {
				matchFields: ['maid'],
			},
		},
	},
	{
		displayName: 'Apple IDFA',
		name: 'idfaValue',
		type: 'string',
		default: '={{ $json.idfa }}',
		placeholder: 'e.g. {{ $json.idfa }}',
		description: `Apple Identifier for Advertisers of the user's device. ${hashingNote}.`,
		displayOptions: {
			show: {
				matchFields: ['idfa'],
			},
		},
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Add Sync Status to Users',
				name: 'writeStatus',
				type: 'boolean',
				default: false,
				description:
					'Whether to add a "pinterestAudienceSync" object with the status (synced, not synced, errored or pending) and the reason to each item on the Users output',
			},
			{
				displayName: 'Batch Size',
				name: 'batchSize',
				type: 'number',
				default: DEFAULT_BATCH_SIZE,
				typeOptions: editorBounds(BATCH_SIZE_BOUNDS),
				description: `How many users to send to Pinterest per request (at most ${BATCH_SIZE_BOUNDS.max})`,
			},
			{
				displayName: 'Flush Window (Seconds)',
				name: 'flushWindowSeconds',
				type: 'number',
				default: DEFAULT_FLUSH_WINDOW_SECONDS,
				typeOptions: editorBounds(FLUSH_WINDOW_SECONDS_BOUNDS),
				description:
					'When several executions each bring a few users to the same audience at the same moment (e.g. one webhook per user), hold them at most this long to send them together. An execution with nobody beside it (a lone call, each round of a loop) is sent at once. 0 sends each execution on its own.',
			},
			{
				displayName: 'New Audience Description',
				name: 'audienceDescription',
				type: 'string',
				default: '',
				placeholder: 'e.g. Customers with more than 3 orders, synced from the CRM',
				description:
					'Description of the audience in Pinterest Ads Manager, given when the node creates it. An audience that already exists keeps its description; change it with the Update Audience operation.',
				displayOptions: {
					show: {
						'/audienceMode': ['createNew'],
					},
				},
			},
			{
				displayName: 'Request Timeout (Seconds)',
				name: 'requestTimeoutSeconds',
				type: 'number',
				default: DEFAULT_REQUEST_TIMEOUT_SECONDS,
				typeOptions: editorBounds(REQUEST_TIMEOUT_SECONDS_BOUNDS),
				description:
					'How long to wait for Pinterest to answer one request before it counts as failed and is retried',
			},
			{
				displayName: 'Requests per Second',
				name: 'requestsPerSecond',
				type: 'number',
				default: DEFAULT_REQUESTS_PER_SECOND,
				typeOptions: { ...editorBounds(REQUESTS_PER_SECOND_BOUNDS), numberPrecision: 1 },
				description: `Most requests per second sent for one Pinterest user, shared by every workflow and worker using that account (at most ${REQUESTS_PER_SECOND_BOUNDS.max})`,
			},
			{
				displayName: 'Resend All Users',
				name: 'resendAll',
				type: 'boolean',
				default: false,
				description:
					'Whether to add every user again, also those an earlier mirror already added. Heals an audience edited outside n8n; adding a member again changes nothing.',
				displayOptions: {
					show: {
						'/action': ['mirror'],
					},
				},
			},
			{
				displayName: 'Retry Window (Minutes)',
				name: 'retryWindowMinutes',
				type: 'number',
				default: DEFAULT_RETRY_WINDOW_MINUTES,
				typeOptions: editorBounds(RETRY_WINDOW_MINUTES_BOUNDS),
				description: `How long to keep retrying when Pinterest is rate limiting or unavailable before the users count as Errored (up to ${RETRY_WINDOW_MINUTES_BOUNDS.max} minutes, about ${Math.round(RETRY_WINDOW_MINUTES_BOUNDS.max / 60)} hours). The execution waits while it retries.`,
			},
		],
	},
];

const displayOptions = {
	show: {
		operation: ['syncUsers'],
	},
};

export const description: INodeProperties[] = updateDisplayOptions(displayOptions, properties);
