/**
 * Every error that leaves the node is n8n's: a NodeApiError or a NodeOperationError. The engine keeps
 * its own typed errors (n8n's rule `require-node-api-error` is off for engine/ alone, see the README),
 * so this drives each entry point of the node (every operation, every list search) into each kind of
 * failure — Pinterest's refusals, a network failure, a revoked token, a bad parameter, a wrong Redis
 * configuration — and checks the class of what comes out.
 */
import { NodeApiError, NodeOperationError } from 'n8n-workflow';

import type { Emulator, FaultSpec } from '../../emulator';
import { startEmulator } from '../../emulator';
import { PinterestAudienceSync } from '../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import { byId, createLoadOptionsContext } from '../helpers/n8nContext';
import type { FakeCredential } from '../helpers/n8nContext';
import type { TargetAudience } from './support';
import {
	INJECTED_FAULTS_ONLY,
	createTarget,
	credentialFor,
	emailItems,
	executeExpectingError,
	freshCredential,
	syncParameters,
	toTarget,
	uniqueName,
} from './support';

jest.setTimeout(60_000);

let emu: Emulator;
let target: TargetAudience;

beforeAll(async () => {
	emu = await startEmulator(INJECTED_FAULTS_ONLY);
	target = await createTarget(emu, 'Boundary');
});
afterEach(() => emu.clearFaults());
afterAll(async () => {
	await emu.close();
});

const OPERATIONS = [
	'Sync Users',
	'Sync Users into a new audience',
	'Get Audience',
	'List Audiences',
	'Create Actalike Audience',
] as const;
type Operation = (typeof OPERATIONS)[number];

/** Node parameters of each operation, against the target audience. */
function parametersOf(operation: Operation): Record<string, unknown> {
	const adAccount = byId(emu.demo.adAccountId);
	const all: Record<Operation, Record<string, unknown>> = {
		'Sync Users': toTarget(target, { retryWindowMinutes: 0.02 }),
		'Sync Users into a new audience': syncParameters({
			audienceName: uniqueName('Boundary'),
			options: { retryWindowMinutes: 0.02 },
		}),
		'Get Audience': { operation: 'getAudience', adAccount, audience: byId(target.audienceId) },
		'List Audiences': { operation: 'listAudiences', adAccount },
		'Create Actalike Audience': {
			operation: 'createActalike',
			adAccount,
			seedAudience: byId(target.audienceId),
			actalikeName: uniqueName('Boundary actalike'),
			countries: ['US'],
			percentage: 5,
		},
	};
	return all[operation];
}

/** Faults on every API call (not the token endpoint), for every attempt. */
const FAULTS: Record<string, FaultSpec> = {
	'400': { path: '/ad_accounts', status: 400, count: 1000 },
	'403': { path: '/ad_accounts', status: 403, count: 1000 },
	'404': { path: '/ad_accounts', status: 404, count: 1000 },
	'500 on every attempt': { path: '/ad_accounts', status: 500, count: 1000 },
	'connection reset on every attempt': { path: '/ad_accounts', kind: 'reset', count: 1000 },
};

function expectN8nError(error: unknown): void {
	expect([NodeApiError.name, NodeOperationError.name]).toContain(
		(error as Error)?.constructor?.name,
	);
	expect(error instanceof NodeApiError || error instanceof NodeOperationError).toBe(true);
}

async function executeError(
	parameters: Record<string, unknown>,
	credential: FakeCredential = freshCredential(emu),
): Promise<Error> {
	return await executeExpectingError({ credential, parameters, items: emailItems(3) });
}

describe.each(Object.keys(FAULTS))('Pinterest fails with %s', (fault) => {
	it.each(OPERATIONS)('%s: the error is n8n’s', async (name) => {
		const parameters = parametersOf(name);
		emu.addFault(FAULTS[fault]);
		expectN8nError(await executeError(parameters));
	});

	it.each(['searchAdAccounts', 'searchAudiences', 'searchCustomerListAudiences'])(
		'list search %s: the error is n8n’s',
		async (method) => {
			emu.addFault(FAULTS[fault]);
			const context = createLoadOptionsContext({
				credential: freshCredential(emu),
				parameters: { adAccount: byId(emu.demo.adAccountId) },
			});
			const search = new PinterestAudienceSync().methods.listSearch[
				method as keyof PinterestAudienceSync['methods']['listSearch']
			];
			const error = await search.call(context).then(
				() => new Error('the search did not fail'),
				(thrown: unknown) => thrown,
			);
			expectN8nError(error);
		},
	);
});

describe('other failures', () => {
	it.each(OPERATIONS)('revoked token, %s: the error is n8n’s', async (name) => {
		emu.revokeTokens(emu.demo.secondUserId);
		const parameters = {
			...parametersOf(name),
			adAccount: byId(emu.demo.secondUserAdAccountId),
		};
		expectN8nError(await executeError(parameters, credentialFor(emu, 'second')));
	});

	it.each(OPERATIONS)('an ad account ID that is not one, %s: the error is n8n’s', async (name) => {
		const parameters = { ...parametersOf(name), adAccount: byId('not-an-id') };
		expectN8nError(await executeError(parameters));
	});

	describe('queue mode with a Redis URL that is not one', () => {
		const saved = { ...process.env };
		beforeAll(() => {
			process.env.EXECUTIONS_MODE = 'queue';
			process.env.PINTEREST_AUDIENCE_SYNC_REDIS_URL = 'not a url';
		});
		afterAll(() => {
			process.env = saved;
		});

		it.each(OPERATIONS)('%s: the error is n8n’s', async (name) => {
			expectN8nError(await executeError(parametersOf(name)));
		});
	});
});
