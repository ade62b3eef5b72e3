import { authGateFor } from './authGate';
import type { CallEnvironment, ResolvedAudience } from './audienceTarget';
import { existingAudience, findOrCreateAudience, forgetCustomerList, pinterestUserOf, sharedTarget } from './audienceTarget';
import type { PinterestClient } from './client';
import { newCallStats } from './client';
import type { BatchOutcome, ListOperation } from './dispatcher';
import { dispatcherFor } from './dispatcher';
import { classifyFailure } from './errors';
import type { LimiterFactory } from './limiter';
import { inProcessLimiterFactory, writeLimiterFor } from './limiter';
import type { MarketerMessage } from './messages';
import { describeFailure } from './messages';
import type { MatchField } from './normalise';
import type { ReadIdentifier } from './records';
import { NO_RECORD, UserPreparer, recordRange } from './records';
import { nextTurn } from './retry';

export type AudienceChoice = { mode: 'existing'; audienceId: string } | { mode: 'createNew'; name: string };

export interface SyncSettings {
	batchSize: number;
	requestsPerSecond: number;
	retryWindowMs: number;
	flushWindowMs: number;
	requestTimeoutMs: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
	batchSize: 1900,
	requestsPerSecond: 7,
	retryWindowMs: 15 * 60_000,
	flushWindowMs: 5_000,
	requestTimeoutMs: 30_000,
};

export interface SyncJob {
	client: PinterestClient;
	/** Identifies the n8n credential: token refreshes and coalescing are per credential. */
	credentialKey: string;
	adAccountId: string;
	audience: AudienceChoice;
	action: 'add' | 'remove';
	fields: MatchField[];
	userCount: number;
	readIdentifier: ReadIdentifier;
	settings: SyncSettings;
	limiterFactory?: LimiterFactory;
	/**
	 * Called once when the end is in sight (at most ~2 s of writes left at the ceiling, or when the sync
	 * ends): the caller's own closing work can then overlap the last requests.
	 */
	onNearlyDone?: () => void;
}

export enum UserStatus {
	Pending = 0,
	Synced = 1,
	NotSynced = 2,
	Errored = 3,
}

export const USER_STATUS_NAMES = ['pending', 'synced', 'notSynced', 'errored'] as const;

export interface SyncMetrics {
	entered: number;
	proceededToNextStep: number;
	usersSynced: number;
	usersNotSynced: number;
	usersPending: number;
	usersErrored: number;
	recordsSent: number;
	requests: number;
	retries: number;
	rateLimited: number;
	durationMs: number;
	adAccountId: string;
	audienceId: string | null;
	audienceName: string | null;
	customerListId: string | null;
	audienceCreated: boolean;
	action: 'add' | 'remove';
	notSyncedReasons: Record<string, number>;
	errorReasons: Record<string, number>;
}

export interface SyncResult {
	statuses: Uint8Array;
	/** Reason per user that was not synced or errored. */
	reasons: Map<number, string>;
	metrics: SyncMetrics;
	/** The first failure, in a marketer's words, when any user errored. */
	failure?: MarketerMessage;
	/** What caused `failure`, for callers that pick an error type. */
	failureCause?: unknown;
}

const OUTCOME_OK = 1;
const OUTCOME_FAILED = 2;
/** Users read and hashed between two turns of the event loop while requests are under way (a few ms). */
const PREPARE_SLICE_USERS = 1024;
/** Records left unsettled when `onNearlyDone` is called: two seconds of writes at 7 × 1,900 per second. */
const NEARLY_DONE_RECORDS = 2 * 7 * 1900;


/** One execution's sync: normalise → dedupe → (find or create) → chunk → limit → retry → account. */
export async function runSync(job: SyncJob): Promise<SyncResult> {
	const started = Date.now();
	const { settings } = job;
	// The users of a large execution are prepared a slice at a time, so that its first requests leave
	// while the rest are still read and hashed; enough for one request (and for a create) come first.
	const prepared = new UserPreparer(job.userCount, job.fields, job.readIdentifier);
	prepared.advance(job.userCount, settings.batchSize);
	const records = prepared.records;
	// How many unique records there are is known only at the end: room for the most there can be.
	const recordOutcome = new Uint8Array(job.userCount * job.fields.length);
	const recordError = new Int32Array(recordOutcome.length).fill(-1);
	const failures: unknown[] = [];
	const stats = newCallStats();
	const env: CallEnvironment = {
		client: job.client,
		gate: authGateFor(job.credentialKey, (job.limiterFactory ?? inProcessLimiterFactory).locks),
		stats,
		retryWindowMs: settings.retryWindowMs,
		requestTimeoutMs: settings.requestTimeoutMs,
	};
	let target: ResolvedAudience | undefined;
	let settledRecords = 0;
	let toldNearlyDone = false;
	const tellIfNearlyDone = (force = false): void => {
		if (toldNearlyDone || !(force || (prepared.done && records.length - settledRecords <= NEARLY_DONE_RECORDS))) return;
		toldNearlyDone = true;
		job.onNearlyDone?.();
	};

	const markRange = (start: number, count: number, outcome: BatchOutcome): void => {
		settledRecords += count;
		tellIfNearlyDone();
		if (outcome.ok) {
			recordOutcome.fill(OUTCOME_OK, start, start + count);
			return;
		}
		let errorIndex = failures.indexOf(outcome.error);
		if (errorIndex === -1) errorIndex = failures.push(outcome.error) - 1;
		recordOutcome.fill(OUTCOME_FAILED, start, start + count);
		recordError.fill(errorIndex, start, start + count);
		const kind = classifyFailure(outcome.error);
		if (target && (kind === 'notFound' || kind === 'forbidden')) forgetCustomerList(target.customerListId);
	};

	if (records.length > 0 || job.audience.mode === 'existing') {
		let releaseRate: (() => Promise<void>) | undefined;
		let releaseTarget: (() => void) | undefined;
		try {
			const setUp = (async () => {
				const pinterestUserId = await pinterestUserOf(env, job.credentialKey);
				const limiter = await writeLimiterFor(pinterestUserId, settings.requestsPerSecond, job.limiterFactory ?? inProcessLimiterFactory);
				releaseRate = await limiter.useRate(settings.requestsPerSecond);
				const audience = job.audience;
				const shared = await sharedTarget(
					[job.credentialKey, job.adAccountId, audience.mode, audience.mode === 'existing' ? audience.audienceId : audience.name].join('|'),
					() =>
						audience.mode === 'existing'
							? existingAudience(env, job.adAccountId, audience.audienceId)
							: findOrCreateAudience(env, limiter, {
									credentialKey: job.credentialKey,
									adAccountId: job.adAccountId,
									name: audience.name,
									fields: job.fields,
									firstRecords: records.toArray(0, Math.min(records.length, settings.batchSize)),
									mayCreate: job.action === 'add',
									locks: (job.limiterFactory ?? inProcessLimiterFactory).locks,
								}),
				);
				target = shared.target;
				releaseTarget = shared.release;
				return { limiter, target: shared.target };
			})();
			// The lookups travel while more users are prepared.
			let setUpSettled = false;
			setUp.then(
				() => (setUpSettled = true),
				() => (setUpSettled = true),
			);
			while (!setUpSettled && !prepared.done) {
				await nextTurn();
				prepared.advance(prepared.prepared + PREPARE_SLICE_USERS);
			}
			const { limiter, target: resolved } = await setUp;
			const skip = resolved.recordsSentOnCreate;
			if (skip > 0) {
				recordOutcome.fill(OUTCOME_OK, 0, skip);
				settledRecords += skip;
			}
			const operation: ListOperation = job.action === 'add' ? 'ADD' : 'REMOVE';
			// A dispatcher lives while it has work and sends with its creator's settings: executions share one
			// only when their settings match, and an execution with nothing left to send creates none.
			const { batchSize, flushWindowMs, retryWindowMs, requestTimeoutMs } = settings;
			const dispatcherKey = [job.credentialKey, job.adAccountId, resolved.customerListId, operation, batchSize, flushWindowMs, retryWindowMs, requestTimeoutMs].join('|');
			const submissions: Array<Promise<void>> = [];
			let submitted = skip;
			const submit = (end: number, last: boolean): void => {
				const start = submitted;
				if (end <= start) return;
				submitted = end;
				const dispatcher = dispatcherFor(
					dispatcherKey,
					{ adAccountId: job.adAccountId, customerListId: resolved.customerListId, operation, ...settings },
					env.gate,
					limiter,
				);
				submissions.push(
					dispatcher.submit({
						records: recordRange(records, start, end),
						client: job.client,
						stats,
						// Only a small execution's users wait for company; a large one's last part leaves at once.
						holdRemainder: !last || records.length - skip < batchSize,
						onOutcome: (offset, count, outcome) => markRange(start + offset, count, outcome),
					}),
				);
			};
			while (!prepared.done) {
				// Whole requests leave as soon as they are prepared; a remainder waits for the next slice.
				submit(skip + Math.floor((records.length - skip) / batchSize) * batchSize, false);
				await nextTurn();
				prepared.advance(prepared.prepared + PREPARE_SLICE_USERS);
			}
			submit(records.length, true);
			tellIfNearlyDone();
			await Promise.all(submissions);
		} catch (error) {
			// Setup failed (user lookup, audience lookup or creation): nobody could be synced.
			prepared.advance(job.userCount);
			for (let i = 0; i < records.length; i++) {
				if (recordOutcome[i] === 0) markRange(i, 1, { ok: false, error });
			}
			if (records.length === 0) failures.push(error);
		} finally {
			releaseTarget?.();
			await releaseRate?.();
		}
	}
	tellIfNearlyDone(true);

	const context = {
		adAccountId: job.adAccountId,
		audienceId: target?.audienceId ?? (job.audience.mode === 'existing' ? job.audience.audienceId : undefined),
		audienceName: target?.audienceName ?? (job.audience.mode === 'createNew' ? job.audience.name : undefined),
		customerListId: target?.customerListId,
		retryWindowMs: settings.retryWindowMs,
	};
	const messages = failures.map((error) => describeFailure(error, context));

	const statuses = new Uint8Array(job.userCount);
	const reasons = new Map<number, string>();
	const notSyncedReasons: Record<string, number> = {};
	const errorReasons: Record<string, number> = {};
	const width = job.fields.length;
	const counts = [0, 0, 0, 0];
	for (let user = 0; user < job.userCount; user++) {
		let status: UserStatus;
		const notSynced = prepared.notSynced.get(user);
		if (notSynced !== undefined) {
			status = UserStatus.NotSynced;
			reasons.set(user, notSynced);
			notSyncedReasons[notSynced] = (notSyncedReasons[notSynced] ?? 0) + 1;
		} else {
			status = UserStatus.Synced;
			for (let f = 0; f < width; f++) {
				const record = prepared.userRecords[user * width + f];
				if (record === NO_RECORD) continue;
				if (recordOutcome[record] === OUTCOME_FAILED) {
					status = UserStatus.Errored;
					const reason = messages[recordError[record]].reason;
					reasons.set(user, reason);
					errorReasons[reason] = (errorReasons[reason] ?? 0) + 1;
					break;
				}
				if (recordOutcome[record] !== OUTCOME_OK) status = UserStatus.Pending;
			}
		}
		statuses[user] = status;
		counts[status]++;
	}

	return {
		statuses,
		reasons,
		failure: messages[0],
		failureCause: failures[0],
		metrics: {
			entered: job.userCount,
			proceededToNextStep: job.userCount,
			usersSynced: counts[UserStatus.Synced],
			usersNotSynced: counts[UserStatus.NotSynced],
			usersPending: counts[UserStatus.Pending],
			usersErrored: counts[UserStatus.Errored],
			recordsSent: recordOutcome.reduce((n, o) => n + (o === OUTCOME_OK ? 1 : 0), 0),
			requests: stats.requests,
			retries: stats.retries,
			rateLimited: stats.rateLimited,
			durationMs: Date.now() - started,
			adAccountId: job.adAccountId,
			audienceId: context.audienceId ?? null,
			audienceName: context.audienceName ?? null,
			customerListId: target?.customerListId ?? null,
			audienceCreated: target?.created ?? false,
			action: job.action,
			notSyncedReasons,
			errorReasons,
		},
	};
}
