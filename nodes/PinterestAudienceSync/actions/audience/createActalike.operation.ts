import type { IDataObject, IExecuteFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import { PinterestApiError } from '../../engine/pinterest';
import { processRuntime } from '../../engine/runtime';
import type { PinterestAudience } from '../../engine/pinterest';
import { locatorValue, requirePinterestId } from '../parameters';
import {
	actalikePercentage,
	actalikePercentageProperty,
	apiRequest,
	assertAudienceEnvironment,
	audienceSummary,
	invalidItem,
	outputPerItem,
	readAdAccountId,
	toNodeError,
	walkAudiences,
} from './common';
import type { FailureSubject } from './common';

import { seedAudienceRLC } from '../../descriptions/rlc.description';
import { operationParameters } from '../node.type';

export const description = operationParameters('createActalike', [
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
		...actalikePercentageProperty,
	},
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		options: [
			{
				displayName: 'Description',
				name: 'description',
				type: 'string',
				default: '',
				placeholder: 'e.g. People like our newsletter subscribers',
				description:
					'Description of the Actalike audience in Pinterest Ads Manager, given when it is created. An Actalike audience that already exists keeps its description; change it with Update Audience.',
			},
		],
	},
]);

/** The only countries Pinterest builds Actalike audiences for. */
export const ACTALIKE_COUNTRIES = ['US', 'CA', 'GB'] as const;
type ActalikeCountry = (typeof ACTALIKE_COUNTRIES)[number];

interface ActalikeRequest {
	adAccountId: string;
	seedId: string;
	name: string;
	countries: ActalikeCountry[];
	percentage: number;
	/** Of the audiences created; '' for none. */
	description: string;
}

/** The name of the audience for one country: the plain name for one country, "Name (US)" for several. */
export function actalikeNameFor(
	name: string,
	country: ActalikeCountry,
	countryCount: number,
): string {
	return countryCount === 1 ? name : `${name} (${country})`;
}

function readCountries(context: IExecuteFunctions, itemIndex: number): ActalikeCountry[] {
	const raw = context.getNodeParameter('countries', itemIndex, []) as unknown;
	const values = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : [];
	const countries: ActalikeCountry[] = [];
	for (const value of values) {
		const code = String(value ?? '')
			.trim()
			.toUpperCase();
		if (code === '') continue;
		if (!(ACTALIKE_COUNTRIES as readonly string[]).includes(code)) {
			throw invalidItem(
				context,
				itemIndex,
				`Pinterest cannot build an Actalike audience for "${code}"`,
				'Choose one or more of United States (US), Canada (CA) and United Kingdom (GB) under "Countries".',
			);
		}
		if (!countries.includes(code as ActalikeCountry)) countries.push(code as ActalikeCountry);
	}
	if (countries.length === 0) {
		throw invalidItem(
			context,
			itemIndex,
			'No country is selected for the Actalike audience',
			'Choose one or more of United States, Canada and United Kingdom under "Countries"; one audience is created per country.',
		);
	}
	return countries;
}

function readPercentage(context: IExecuteFunctions, itemIndex: number): number {
	const raw = context.getNodeParameter('percentage', itemIndex, 5) as unknown;
	return actalikePercentage(context, itemIndex, raw, 'Percentage');
}

/** Launch validation: everything an item needs is checked before any Pinterest call. */
function readRequest(context: IExecuteFunctions, itemIndex: number): ActalikeRequest {
	const adAccountId = readAdAccountId(context, itemIndex);
	const seedId = requirePinterestId(
		context,
		locatorValue(context, 'seedAudience', itemIndex),
		'seed audience',
		'Pick the seed audience from the list or paste its ID.',
	);
	const name = String(context.getNodeParameter('actalikeName', itemIndex, '') ?? '').trim();
	if (name === '') {
		throw invalidItem(
			context,
			itemIndex,
			'The Actalike audience has no name',
			'Enter a name under "Actalike Audience Name". The same name finds the same audience on later runs, so re-runs do not create duplicates.',
		);
	}
	const options = context.getNodeParameter('options', itemIndex, {}) as { description?: unknown };
	return {
		adAccountId,
		seedId,
		name,
		countries: readCountries(context, itemIndex),
		percentage: readPercentage(context, itemIndex),
		description: typeof options.description === 'string' ? options.description.trim() : '',
	};
}

interface SeedInfo {
	id: string;
	name: string;
	status: string | null;
	size: number | null;
}

function seedIdsOf(audience: PinterestAudience): string[] {
	const seeds = audience.rule?.seed_id;
	if (Array.isArray(seeds)) return seeds.map(String);
	return seeds === undefined || seeds === null ? [] : [String(seeds)];
}

/** Differences between an existing Actalike audience and the one asked for, in words. */
function differences(
	existing: PinterestAudience,
	request: ActalikeRequest,
	country: ActalikeCountry,
): string[] {
	const found: string[] = [];
	const seeds = seedIdsOf(existing);
	if (seeds.length > 0 && !(seeds.length === 1 && seeds[0] === request.seedId))
		found.push(`seed audience ${seeds.join(', ')}`);
	const existingCountry = existing.rule?.country;
	if (existingCountry !== undefined && existingCountry !== country)
		found.push(`country ${existingCountry}`);
	const existingPercentage = existing.rule?.percentage;
	if (existingPercentage !== undefined && Number(existingPercentage) !== request.percentage)
		found.push(`${String(existingPercentage)} %`);
	return found;
}

function outputFor(
	audience: PinterestAudience,
	request: ActalikeRequest,
	country: ActalikeCountry,
	seed: SeedInfo,
	created: boolean,
): IDataObject {
	const json: IDataObject = {
		...audienceSummary(audience, request.adAccountId),
		type: audience.audience_type ?? 'ACTALIKE',
		created,
		country: audience.rule?.country ?? country,
		percentage:
			audience.rule?.percentage !== undefined
				? Number(audience.rule.percentage)
				: request.percentage,
		seedAudienceId: request.seedId,
		seedAudienceName: seed.name,
	};
	if (!created) {
		const differs = differences(audience, request, country);
		if (differs.length > 0) {
			json.warning = `An Actalike audience named "${audience.name ?? ''}" already exists with other settings (${differs.join(', ')}); it was kept unchanged. Use another name to create a new one.`;
		}
	}
	return json;
}

function tooSmallError(
	context: IExecuteFunctions,
	error: PinterestApiError,
	seed: SeedInfo,
	itemIndex: number,
): NodeApiError {
	const message = `The seed audience "${seed.name}" (ID ${seed.id}) is too small: Pinterest needs about 100 matched users before it can build an Actalike audience. Sync more users and try again in 24–48 hours.`;
	return new NodeApiError(
		context.getNode(),
		{ message, httpCode: String(error.status ?? 400) } as JsonObject,
		{
			message,
			description: error.pinterestMessage ? `Pinterest says: ${error.pinterestMessage}` : undefined,
			httpCode: String(error.status ?? 400),
			itemIndex,
		},
	);
}

/** A 400 on create is about the seed's size when Pinterest says so or the seed shows no size yet. */
function isTooSmall(error: unknown, seed: SeedInfo): error is PinterestApiError {
	if (!(error instanceof PinterestApiError) || error.status !== 400) return false;
	if (/too small|at least \d+|minimum/i.test(error.pinterestMessage ?? '')) return true;
	return seed.status === 'TOO_SMALL' || seed.size === null || seed.size < 100;
}

async function findActalike(
	context: IExecuteFunctions,
	adAccountId: string,
	names: string[],
): Promise<Map<string, PinterestAudience>> {
	const found = new Map<string, PinterestAudience>();
	await walkAudiences(context, adAccountId, (audience) => {
		const name = audience.name ?? '';
		if (audience.audience_type === 'ACTALIKE' && names.includes(name) && !found.has(name))
			found.set(name, audience);
		return found.size === names.length;
	});
	return found;
}

/**
 * POST of one Actalike audience. A create whose answer was lost may still have happened, so the name is
 * looked up again before the create is retried rather than risking a duplicate.
 */
async function createOne(
	context: IExecuteFunctions,
	request: ActalikeRequest,
	name: string,
	country: ActalikeCountry,
): Promise<PinterestAudience> {
	const body = {
		ad_account_id: request.adAccountId,
		name,
		audience_type: 'ACTALIKE',
		rule: { seed_id: [request.seedId], country, percentage: request.percentage },
		...(request.description !== '' ? { description: request.description } : {}),
	};
	return await apiRequest<PinterestAudience>(
		context,
		'POST',
		`/ad_accounts/${request.adAccountId}/audiences`,
		{
			body,
			write: true,
			findApplied: async () => (await findActalike(context, request.adAccountId, [name])).get(name),
		},
	);
}

async function readSeed(context: IExecuteFunctions, request: ActalikeRequest): Promise<SeedInfo> {
	const seed = await apiRequest<PinterestAudience>(
		context,
		'GET',
		`/ad_accounts/${request.adAccountId}/audiences/${request.seedId}`,
	);
	return {
		id: request.seedId,
		name: seed.name ?? request.seedId,
		status: seed.status ?? null,
		size: typeof seed.size === 'number' ? seed.size : null,
	};
}

/** Find-or-create of the audience for each country, one Pinterest call at a time. */
async function run(
	context: IExecuteFunctions,
	request: ActalikeRequest,
	subject: FailureSubject,
): Promise<IDataObject[]> {
	const outputs: IDataObject[] = [];
	const seed = await readSeed(context, request);
	const names = request.countries.map((country) =>
		actalikeNameFor(request.name, country, request.countries.length),
	);
	// Across workers when Redis is configured: two executions never both find it missing and create it.
	await processRuntime().locks.run(`actalike:${request.adAccountId}:${request.name}`, async () => {
		const existing = await findActalike(context, request.adAccountId, names);
		for (let c = 0; c < request.countries.length; c++) {
			const country = request.countries[c];
			const name = names[c];
			const found = existing.get(name);
			if (found) {
				outputs.push(outputFor(found, request, country, seed, false));
				continue;
			}
			let audience: PinterestAudience;
			try {
				audience = await createOne(context, request, name, country);
			} catch (error) {
				if (isTooSmall(error, seed)) throw tooSmallError(context, error, seed, subject.itemIndex);
				throw toNodeError(context, error, subject);
			}
			outputs.push(outputFor(audience, request, country, seed, true));
		}
	});
	return outputs;
}

/**
 * Create Actalike Audience: per item, one Actalike audience per selected country, seeded from the seed
 * audience. Idempotent by name: an Actalike audience that already has the intended name is returned
 * (`created: false`) instead of being created again. Identical items share one find-or-create.
 */
export async function execute(
	this: IExecuteFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[][]> {
	const requests: Array<ActalikeRequest | NodeOperationError> = [];
	for (let i = 0; i < items.length; i++) {
		try {
			requests.push(readRequest(this, i));
		} catch (error) {
			const nodeError =
				error instanceof NodeOperationError
					? error
					: new NodeOperationError(this.getNode(), error as Error, { itemIndex: i });
			if (!this.continueOnFail()) throw nodeError;
			requests.push(nodeError);
		}
	}
	await assertAudienceEnvironment(this);

	return await outputPerItem(this, items.length, async (i, subject, once) => {
		const request = requests[i];
		// Refused before any call (only kept when "On Error" says continue).
		if (request instanceof NodeOperationError) throw request;
		Object.assign(subject, {
			adAccountId: request.adAccountId,
			role: 'seed audience',
			audienceId: request.seedId,
		});
		return await once(JSON.stringify(request), () => run(this, request, subject));
	});
}
