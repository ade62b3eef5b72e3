/**
 * One "n8n worker" of the multi-process test: syncs `users` generated e-mails into a new audience of the
 * demo Pinterest user through the engine, with the limiter chosen from the environment exactly like the
 * node does (EXECUTIONS_MODE=queue + QUEUE_BULL_REDIS_*). Run with `node -r ./tsRegister.js`.
 * Input: JSON in argv[2]. Output: one JSON line with the metrics on stdout.
 */
import {
	closeProcessRuntimes,
	processRuntime,
	type EngineRuntime,
} from '../../nodes/PinterestAudienceSync/engine/runtime';
import { DEFAULT_SYNC_SETTINGS, runSync } from '../../nodes/PinterestAudienceSync/engine/sync';
import { fetchClient, type CredentialStore } from './fetchClient';

export interface WorkerInput {
	apiBaseUrl: string;
	accessToken: string;
	/** Instead of `accessToken`: the shared credential store, refreshed like n8n does. */
	credential?: CredentialStore;
	adAccountId: string;
	audienceName: string;
	users: number;
	emailPrefix: string;
	requestsPerSecond: number;
	/** 'mirror': the users are the list's whole membership (memory chosen like the node does). */
	action?: 'add' | 'mirror';
	/** The first user's number (default 0): users are `${emailPrefix}${firstUser + i}@example.com`. */
	firstUser?: number;
	/** Waits for this file to exist before syncing, so all workers start together. */
	startSignal?: string;
	/**
	 * Several syncs at once in this worker (e.g. one per Pinterest user), each with its own settings;
	 * the output is then one WorkerOutput per job, in order.
	 */
	jobs?: Array<Omit<WorkerInput, 'jobs' | 'startSignal'>>;
}

export interface WorkerOutput {
	usersSynced: number;
	usersErrored: number;
	usersPending: number;
	entered: number;
	requests: number;
	rateLimited: number;
	retries: number;
	customerListId: string | null;
	durationMs: number;
	usersAdded?: number;
	usersRemoved?: number;
	usersUnchanged?: number;
	failure?: string;
	failureName?: string;
	failureCauseMessage?: string;
}

async function waitFor(path: string): Promise<void> {
	const { existsSync } = await import('fs');
	while (!existsSync(path)) await new Promise((resolve) => setTimeout(resolve, 10));
}

async function syncOne(input: WorkerInput, runtime: EngineRuntime): Promise<WorkerOutput> {
	const result = await runSync({
		client: fetchClient(input.apiBaseUrl, input.credential ?? input.accessToken),
		credentialKey: `queue-mode-test-${input.apiBaseUrl}`,
		adAccountId: input.adAccountId,
		audience: { mode: 'createNew', name: input.audienceName },
		action: input.action ?? 'add',
		mirror:
			input.action === 'mirror'
				? { store: runtime.mirrorStore(), resendAll: false, lockWaitMs: 60_000 }
				: undefined,
		fields: ['email'],
		userCount: input.users,
		readIdentifier: (user) => `${input.emailPrefix}${(input.firstUser ?? 0) + user}@example.com`,
		settings: {
			...DEFAULT_SYNC_SETTINGS,
			requestsPerSecond: input.requestsPerSecond,
			retryWindowMs: 120_000,
		},
		runtime,
	});
	const { metrics } = result;
	return {
		usersSynced: metrics.usersSynced,
		usersErrored: metrics.usersErrored,
		usersPending: metrics.usersPending,
		entered: metrics.entered,
		requests: metrics.requests,
		rateLimited: metrics.rateLimited,
		retries: metrics.retries,
		customerListId: metrics.customerListId,
		durationMs: metrics.durationMs,
		usersAdded: metrics.usersAdded,
		usersRemoved: metrics.usersRemoved,
		usersUnchanged: metrics.usersUnchanged,
		failure: result.failure?.message,
		failureName: result.failureCause instanceof Error ? result.failureCause.name : undefined,
		failureCauseMessage:
			result.failureCause instanceof Error ? result.failureCause.message : undefined,
	};
}

async function main(): Promise<void> {
	const input = JSON.parse(process.argv[2]) as WorkerInput;
	const runtime = processRuntime(process.env);
	process.stdout.write(`${JSON.stringify({ ready: true })}\n`);
	if (input.startSignal) await waitFor(input.startSignal);
	const outputs = await Promise.all(
		(input.jobs ?? [input]).map((job) => syncOne(job as WorkerInput, runtime)),
	);
	process.stdout.write(`${JSON.stringify(input.jobs ? outputs : outputs[0])}\n`);
	// Let the last writes' windows end before closing the connection (a window is ~1 s).
	await new Promise((resolve) => setTimeout(resolve, 1100));
	await closeProcessRuntimes();
}

main().catch((error: unknown) => {
	process.stderr.write(
		`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
	);
	process.exit(1);
});
