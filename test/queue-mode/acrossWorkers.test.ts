/**
 * What queue mode must hold across processes, each run by several plain Node processes with the engine
 * on one real Redis, against the emulator at Pinterest-like latency; the emulator is the judge:
 * - one customer list and one audience per name, whichever processes create it at once (Sync Users'
 *   Create New Audience, and Create Actalike Audience);
 * - at most 7 writes of a Pinterest user arrive in any second, counted at the API;
 * - one token refresh per expiry, with writes in flight in every process, and no user lost.
 */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { hashedEmail, startEmulator, type Emulator } from '../../emulator';
import { writeTokens, type CredentialStore } from './fetchClient';
import { startRedisServer, type RedisServer } from './redisServer';
import type { WorkerInput, WorkerOutput } from './syncWorker';
import { mostInAnyWindow, queueModeEnvironment, runWorkersTogether } from './workers';

jest.setTimeout(240_000);

const WRITES_PER_SECOND = 7;
const LATENCY_MS = 150;

let redis: RedisServer;
let emu: Emulator;
let scratch: string;

beforeAll(async () => {
	redis = await startRedisServer();
	scratch = mkdtempSync(join(tmpdir(), 'pas-across-workers-'));
});

afterAll(async () => {
	await redis?.stop();
	rmSync(scratch, { recursive: true, force: true });
});

beforeEach(async () => {
	emu = await startEmulator({ writesPerSecond: WRITES_PER_SECOND, latencyMs: LATENCY_MS });
});

afterEach(async () => {
	await emu.close();
});

function input(name: string, worker: number, users: number, audienceName: string): WorkerInput {
	return {
		apiBaseUrl: emu.apiBaseUrl,
		accessToken: emu.demo.accessToken,
		adAccountId: emu.demo.adAccountId,
		audienceName,
		users,
		emailPrefix: `${name}-w${worker}-`,
		requestsPerSecond: WRITES_PER_SECOND,
	};
}

/** Writes of the demo user arriving at the API (any answer, 429s included). */
function writeArrivals(): number[] {
	return emu.log
		.filter((entry) => entry.category === 'ads_write' && entry.userId === emu.demo.userId)
		.map((entry) => entry.t);
}

function expectEveryUserIn(
	customerListId: string,
	name: string,
	worker: number,
	users: number,
): void {
	const stored = emu.listRecords(emu.demo.adAccountId, customerListId);
	for (let u = 0; u < users; u++) {
		if (!stored.has(hashedEmail(`${name}-w${worker}-${u}@example.com`)))
			throw new Error(`worker ${worker}: user ${u} is not in the list`);
	}
}

describe('find-or-create by name', () => {
	const workers = 4;
	const users = 300;

	it('processes creating the same name at once end with one customer list and one audience', async () => {
		const audienceName = 'Queue List A';
		const outputs = await runWorkersTogether(
			Array.from({ length: workers }, (_, i) => input('same', i + 1, users, audienceName)),
			queueModeEnvironment(redis.port),
			join(scratch, 'same.go'),
		);

		expect(emu.findCustomerLists(emu.demo.adAccountId, audienceName)).toHaveLength(1);
		expect(emu.findAudiences(emu.demo.adAccountId, audienceName)).toHaveLength(1);
		const [list] = emu.findCustomerLists(emu.demo.adAccountId, audienceName);
		outputs.forEach((output, i) => {
			expect(output).toMatchObject({
				usersSynced: users,
				usersErrored: 0,
				customerListId: list.id,
			});
			expectEveryUserIn(list.id, 'same', i + 1, users);
		});
	});

	it('control: without Redis each process creates its own', async () => {
		const audienceName = 'Queue List B';
		await runWorkersTogether(
			Array.from({ length: workers }, (_, i) => input('apart', i + 1, users, audienceName)),
			{ ...queueModeEnvironment(redis.port), PINTEREST_AUDIENCE_SYNC_REDIS: 'off' },
			join(scratch, 'apart.go'),
		);
		// Shows that the test above tells one lock across processes from one per process.
		expect(emu.findCustomerLists(emu.demo.adAccountId, audienceName).length).toBeGreaterThan(1);
	});
});

describe('Create Actalike Audience by name', () => {
	const workers = 3;
	const run = (actalikeName: string, env: Record<string, string>, signal: string) =>
		runWorkersTogether<{ audiences: Array<{ id: string }> }>(
			Array.from({ length: workers }, () => ({
				credential: {
					environment: 'custom',
					customBaseUrl: emu.url,
					clientId: emu.demo.clientId,
					clientSecret: emu.demo.clientSecret,
					oauthTokenData: { access_token: emu.demo.accessToken, token_type: 'bearer' },
				},
				adAccountId: emu.demo.adAccountId,
				seedAudienceId: emu.findAudiences(emu.demo.adAccountId, 'Newsletter subscribers')[0].id,
				actalikeName,
			})),
			env,
			join(scratch, signal),
			'actalikeWorker.ts',
		);

	it('processes creating the same Actalike at once on one Redis end with one audience', async () => {
		const outputs = await run('Queue Actalike A', queueModeEnvironment(redis.port), 'actalike.go');
		const found = emu.findAudiences(emu.demo.adAccountId, 'Queue Actalike A');
		expect(found).toHaveLength(1);
		for (const output of outputs) expect(output.audiences).toMatchObject([{ id: found[0].id }]);
	});

	it('control: without Redis each process creates its own', async () => {
		await run(
			'Queue Actalike B',
			{ ...queueModeEnvironment(redis.port), PINTEREST_AUDIENCE_SYNC_REDIS: 'off' },
			'actalike-apart.go',
		);
		// Shows that the test above tells one lock across processes from one per process.
		expect(emu.findAudiences(emu.demo.adAccountId, 'Queue Actalike B').length).toBeGreaterThan(1);
	});
});

function throughput(outputs: WorkerOutput[]): string {
	const accepted = emu.log.filter(
		(entry) => entry.category === 'ads_write' && entry.status >= 200 && entry.status < 300,
	);
	const first = Math.min(...accepted.map((w) => w.t));
	const last = Math.max(...accepted.map((w) => w.t + w.durationMs));
	const total = outputs.reduce((n, o) => n + o.usersSynced, 0);
	const perSecond = total / ((last - first) / 1000);
	const ceiling = WRITES_PER_SECOND * 1900;
	return `${total} users in ${((last - first) / 1000).toFixed(2)} s = ${Math.round(perSecond)} users/s, ${(perSecond / ceiling).toFixed(3)} of the ${ceiling} users/s ceiling`;
}

it('three processes on one Redis: at most 7 writes arrive in any second, none answered 429', async () => {
	const users = 19_000 * 2;
	const outputs = await runWorkersTogether(
		Array.from({ length: 3 }, (_, i) => input('limit', i + 1, users, `Limit list ${i + 1}`)),
		queueModeEnvironment(redis.port),
		join(scratch, 'limit.go'),
	);
	outputs.forEach((output, i) => {
		expect(output).toMatchObject({
			usersSynced: users,
			usersErrored: 0,
			usersPending: 0,
			rateLimited: 0,
		});
		expectEveryUserIn(output.customerListId as string, 'limit', i + 1, users);
	});
	expect(mostInAnyWindow(writeArrivals())).toBeLessThanOrEqual(WRITES_PER_SECOND);
	console.log(
		`queue mode, 3 processes, 1 Redis, ${LATENCY_MS} ms latency: ${throughput(outputs)}; most writes in any second: ${mostInAnyWindow(writeArrivals())}`,
	);
});

describe('token expiry with writes in flight in every process', () => {
	let store: CredentialStore;

	beforeEach(() => {
		store = {
			file: join(scratch, `credential-${Date.now()}.json`),
			tokenUrl: `${emu.apiBaseUrl}/oauth/token`,
			clientId: emu.demo.clientId,
			clientSecret: emu.demo.clientSecret,
		};
		writeTokens(store.file, {
			access_token: emu.demo.accessToken,
			refresh_token: emu.demo.refreshToken,
		});
	});

	it('one token request, every user synced, at most 7 writes in any second', async () => {
		const users = 19_000 * 2;
		// The access token expires once the 10th write has arrived, while both processes write.
		const expiry = setInterval(() => {
			if (writeArrivals().length >= 10) {
				emu.expireAccessTokens(emu.demo.userId);
				clearInterval(expiry);
			}
		}, 5);
		let outputs: WorkerOutput[];
		try {
			outputs = await runWorkersTogether(
				Array.from({ length: 2 }, (_, i) => ({
					...input('expiry', i + 1, users, `Expiry list ${i + 1}`),
					credential: store,
				})),
				queueModeEnvironment(redis.port),
				join(scratch, 'expiry.go'),
			);
		} finally {
			clearInterval(expiry);
		}

		expect(emu.tokenRequests().map((entry) => entry.status)).toEqual([200]);
		expect(emu.log.filter((entry) => entry.status === 401).length).toBeGreaterThan(0);
		outputs.forEach((output, i) => {
			expect(output).toMatchObject({ usersSynced: users, usersErrored: 0, usersPending: 0 });
			expectEveryUserIn(output.customerListId as string, 'expiry', i + 1, users);
		});
		expect(mostInAnyWindow(writeArrivals())).toBeLessThanOrEqual(WRITES_PER_SECOND);
		console.log(
			`token expiry, 2 processes: ${emu.tokenRequests().length} token request(s); ${throughput(outputs)}; most writes in any second: ${mostInAnyWindow(writeArrivals())}`,
		);
	});
});
