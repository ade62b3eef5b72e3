/**
 * Nothing secret in what the node reports (errors, metrics and logs land in n8n's execution data
 * and log files, readable by more people than the customer data or the credential may be): across
 * failures of every kind, no raw email and no token or client secret appears in the thrown error
 * (message, description, serialised or inspected with its causes), the Metrics item, the per-user
 * status field, or anything the node logs (a capturing logger on the context, and the console).
 */
import { inspect } from 'node:util';
import type { IExecuteFunctions, INodeExecutionData } from 'n8n-workflow';

import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import { PinterestAudienceSync } from '../../nodes/PinterestAudienceSync/PinterestAudienceSync.node';
import { STATUS_FIELD } from '../../nodes/PinterestAudienceSync/actions/syncUsers/syncUsers.operation';
import type { FakeCredential } from '../helpers/n8nContext';
import { byId, createExecuteContext } from '../helpers/n8nContext';
import { credentialFor, runNode, syncParameters } from '../helpers/nodeRunner';

// Runs against a live server with real retries and rate limits: allow more than the 5 s default.
jest.setTimeout(30_000);

const RAW = Array.from({ length: 12 }, (_, i) => `Secret.Person${i}@Private-Domain.example`);
const items = (): INodeExecutionData[] => [
	...RAW.map((email) => ({ json: { email } })),
	{ json: { email: 'Secret.Invalid@@Private-Domain.example' } },
	{ json: { email: 'Secret Spaced@Private-Domain.example' } },
];

let emu: Emulator;
let logged: string[];
const consoleSpies: jest.SpyInstance[] = [];

beforeAll(async () => {
	emu = await startEmulator();
});
beforeEach(() => {
	logged = [];
	for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const) {
		consoleSpies.push(
			jest
				.spyOn(console, method)
				.mockImplementation((...args: unknown[]) => void logged.push(inspect(args, { depth: 6 }))),
		);
	}
});
afterEach(() => {
	emu.clearFaults();
	while (consoleSpies.length > 0) consoleSpies.pop()?.mockRestore();
});
afterAll(async () => {
	await emu.close();
});

function withFreshTokens(credential: FakeCredential, userId: string): FakeCredential {
	credential.oauthTokenData = { ...credential.oauthTokenData, ...emu.issueTokens(userId) };
	return credential;
}

/** The node's context with a logger that records every call. */
function contextFor(
	credential: FakeCredential,
	parameters: Record<string, unknown>,
	continueOnFail: boolean,
): IExecuteFunctions {
	const context = createExecuteContext({
		credential,
		credentialId: `cred-secrets-${continueOnFail}`,
		parameters,
		items: items(),
		continueOnFail,
	});
	const record =
		(level: string) =>
		(...args: unknown[]) =>
			void logged.push(`${level} ${inspect(args, { depth: 6 })}`);
	Object.assign(context, {
		logger: {
			debug: record('debug'),
			info: record('info'),
			warn: record('warn'),
			error: record('error'),
		},
	});
	return context;
}

/** Everything a user of the workflow can see after the run: outputs or the error, and the logs. */
async function visibleText(
	credential: FakeCredential,
	parameters: Record<string, unknown>,
	continueOnFail: boolean,
): Promise<{ text: string; threw: boolean }> {
	const parts: string[] = [];
	let threw = false;
	try {
		const [users, metrics] = await new PinterestAudienceSync().execute.call(
			contextFor(credential, parameters, continueOnFail),
		);
		expect(users).toHaveLength(items().length);
		parts.push(JSON.stringify(metrics), JSON.stringify(users.map((u) => u.json[STATUS_FIELD])));
	} catch (error) {
		if (continueOnFail) throw error;
		threw = true;
		const e = error as Error & { description?: string };
		parts.push(
			e.message,
			String(e.description),
			JSON.stringify(error),
			inspect(error, { depth: 10 }),
			String(e.stack),
		);
	}
	parts.push(...logged);
	return { text: parts.join('\n'), threw };
}

function expectNothingSecret(text: string, credential: FakeCredential): void {
	const lower = text.toLowerCase();
	const leaked = [
		...RAW.flatMap((email) => [email, email.toLowerCase(), email.split('@')[0]]),
		'secret.invalid',
		'secret spaced',
		'private-domain',
		String(credential.oauthTokenData.access_token),
		String(credential.oauthTokenData.refresh_token),
		emu.demo.accessToken,
		emu.demo.refreshToken,
		emu.demo.secondAccessToken,
		credential.clientSecret,
	].filter((secret) => lower.includes(secret.toLowerCase()));
	expect(leaked).toEqual([]);
}

interface Scenario {
	name: string;
	/** Whether the node stops with an error when "continue on fail" is off. */
	fails: boolean;
	/** Sets up the fault; returns the credential and node parameters of the run. */
	arrange: () => Promise<{ credential: FakeCredential; parameters: Record<string, unknown> }>;
}

async function existingAudience(credential: FakeCredential): Promise<Record<string, unknown>> {
	const run = await runNode({
		credential,
		parameters: syncParameters({ audienceName: `Secrets ${Date.now()} ${Math.random()}` }),
		items: [{ json: { email: 'setup@example.com' } }],
	});
	return syncParameters({
		audienceMode: 'existing',
		audience: byId(run.metrics.audienceId as string),
		options: { retryWindowMinutes: 0.01 },
	});
}

const scenarios: Scenario[] = [
	{
		name: 'revoked token',
		fails: true,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu, 'second'), emu.demo.secondUserId);
			emu.revokeTokens(emu.demo.secondUserId);
			return {
				credential,
				parameters: syncParameters({
					adAccount: byId(emu.demo.secondUserAdAccountId),
					audienceName: 'Revoked',
				}),
			};
		},
	},
	{
		name: '403 on the writes',
		fails: true,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
			const parameters = await existingAudience(credential);
			emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 5, status: 403 });
			return { credential, parameters };
		},
	},
	{
		name: 'audience deleted',
		fails: true,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
			const parameters = await existingAudience(credential);
			emu.deleteAudience(emu.demo.adAccountId, (parameters.audience as { value: string }).value);
			return { credential, parameters };
		},
	},
	{
		name: '503 until the retry window ends',
		fails: true,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
			const parameters = await existingAudience(credential);
			emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 1000, status: 503 });
			return { credential, parameters };
		},
	},
	{
		name: '429 until the retry window ends',
		fails: true,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
			const parameters = await existingAudience(credential);
			emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 1000, status: 429 });
			return { credential, parameters };
		},
	},
	{
		name: 'dropped connections until the retry window ends',
		fails: true,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
			const parameters = await existingAudience(credential);
			emu.addFault({ method: 'PATCH', path: '/customer_lists/', count: 1000, kind: 'reset' });
			return { credential, parameters };
		},
	},
	{
		name: '400 with a Pinterest message',
		fails: true,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
			const parameters = await existingAudience(credential);
			emu.addFault({
				method: 'PATCH',
				path: '/customer_lists/',
				count: 5,
				status: 400,
				body: { code: 1, message: 'Invalid parameters: records' },
			});
			return { credential, parameters };
		},
	},
	{
		name: 'a mapping expression that throws with the value in its message',
		fails: false,
		arrange: async () => {
			const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
			return {
				credential,
				parameters: syncParameters({
					audienceName: 'Throwing',
					emailValue: '={{ (() => { throw new Error("bad " + $json.email) })() }}',
				}),
			};
		},
	},
];

describe.each(scenarios)('$name', (scenario) => {
	it.each([true, false])(
		'continue on fail: %s — no raw email, token or secret in outputs, errors or logs',
		async (continueOnFail) => {
			const { credential, parameters } = await scenario.arrange();
			const { text, threw } = await visibleText(credential, parameters, continueOnFail);
			expect(threw).toBe(scenario.fails && !continueOnFail);
			expectNothingSecret(text, credential);
		},
	);
});

it('a successful run reports and logs no identifier or token either', async () => {
	const credential = withFreshTokens(credentialFor(emu), emu.demo.userId);
	const { text, threw } = await visibleText(
		credential,
		syncParameters({ audienceName: 'Secrets success' }),
		false,
	);
	expect(threw).toBe(false);
	expect(text).toContain('"usersSynced":12');
	expectNothingSecret(text, credential);
});
