import { authGateFor } from './authGate';
import { company } from './company';
import type { CallEnvironment, ResolvedAudience } from './audienceTarget';
import {
	existingAudience,
	findOrCreateAudience,
	forgetCustomerList,
	pinterestUserOf,
	sharedTarget,
} from './audienceTarget';
import type { PinterestClient } from './client';
import { newCallStats } from './client';
import type { BatchOutcome, ListOperation } from './dispatcher';
import { dispatcherFor } from './dispatcher';
import { classifyFailure } from './errors';
import type { LimiterFactory } from './limiter';
import { inProcessLimiterFactory, writeLimiterFor } from './limiter';
import type { MarketerMessage } from './messages';
import { describeFailure } from './messages';
import type { MirrorOptions, MirrorReport } from './mirror';
import { mirrorKey, mirrorList } from './mirror';
import type { MatchField } from './normalise';
import type { ReadIdentifier, RecordSource } from './records';
import { NO_RECORD, UserPreparer, recordRange } from './records';
import { nextTurn } from './retry';

export type SyncAction = 'add' | 'remove' | 'mirror';

export type AudienceChoice =
	{ mode: 'existing'; audienceId: string } | { mode: 'createNew'; name: string };

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
	/**
	 * n8n's execution ID. The syncs of one execution (each round of Loop Over Items) never wait for each
	 * other; without it, every sync counts as an execution of its own.
	 */
	executionId?: string;
	adAccountId: string;
	audience: AudienceChoice;
	action: SyncAction;
	/** For `mirror`: where the list's memory is kept, and whether to resend everyone. */
	mirror?: MirrorOptions;
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
	action: SyncAction;
	/** Mirror only: synced users with a record added, and with every record already a member. */
	usersAdded?: number;
	usersUnchanged?: number;
	/** Mirror only: remembered identifiers absent from the input that Pinterest acknowledged removing. */
	usersRemoved?: number;
	/** Mirror only: identifiers that should have been removed but were not; the next mirror run tries again. */
	usersNotRemoved?: number;
	/** Mirror only, on a list with no memory: why nothing was removed. */
	mirrorBaseline?: string;
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
/** How long a mirror run waits for another mirror of the same list. */
export const DEFAULT_MIRROR_LOCK_WAIT_MS = 10 * 60_000;
export const MIRROR_BASELINE = 'first run: no earlier membership known, nothing removed';
let syncsWithoutExecutionId = 0;

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
	// Mirror: records that had to be added (1), as opposed to those already members (0).
	const recordAdded = job.action === 'mirror' ? new Uint8Array(recordOutcome.length) : undefined;
	let mirrored: MirrorReport | undefined;
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
		if (
			toldNearlyDone ||
			!(force || (prepared.done && records.length - settledRecords <= NEARLY_DONE_RECORDS))
		)
			return;
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
		if (target && (kind === 'notFound' || kind === 'forbidden'))
			forgetCustomerList(target.customerListId);
	};

	if (records.length > 0 || job.audience.mode === 'existing' || job.action === 'mirror') {
		// Present from the start (also while the audience is looked up): executions heading to the same list
		// at the same moment are company worth waiting for (company.ts).
		const executionId = job.executionId || `sync-${++syncsWithoutExecutionId}`;
		const { batchSize, flushWindowMs, retryWindowMs, requestTimeoutMs } = settings;
		const audienceKey =
			job.audience.mode === 'existing' ? job.audience.audienceId : job.audience.name;
		const companyKey = [
			job.credentialKey,
			job.adAccountId,
			job.audience.mode,
			audienceKey,
			job.action,
			batchSize,
			flushWindowMs,
			retryWindowMs,
			requestTimeoutMs,
		].join('|');
		const leaveCompany = company.join(companyKey, executionId, flushWindowMs, Date.now());
		let releaseRate: (() => Promise<void>) | undefined;
		let releaseTarget: (() => void) | undefined;
		try {
			const setUp = (async () => {
				const pinterestUserId = await pinterestUserOf(env, job.credentialKey);
				const limiter = await writeLimiterFor(
					pinterestUserId,
					settings.requestsPerSecond,
					job.limiterFactory ?? inProcessLimiterFactory,
				);
				releaseRate = await limiter.useRate(settings.requestsPerSecond);
				const audience = job.audience;
				const shared = await sharedTarget(
					[
						job.credentialKey,
						job.adAccountId,
						audience.mode,
						audience.mode === 'existing' ? audience.audienceId : audience.name,
					].join('|'),
					() =>
						audience.mode === 'existing'
							? existingAudience(env, job.adAccountId, audience.audienceId)
							: findOrCreateAudience(env, limiter, {
									credentialKey: job.credentialKey,
									adAccountId: job.adAccountId,
									name: audience.name,
									fields: job.fields,
									firstRecords: records.toArray(0, Math.min(records.length, settings.batchSize)),
									mayCreate: job.action !== 'remove',
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
			// A dispatcher lives while it has work and sends with its creator's settings: executions share one
			// only when their settings match, and an execution with nothing left to send creates none.
			const dispatch = (
				operation: ListOperation,
				source: RecordSource,
				holdRemainder: boolean,
				onOutcome: (start: number, count: number, outcome: BatchOutcome) => void,
			): Promise<void> =>
				dispatcherFor(
					[
						job.credentialKey,
						job.adAccountId,
						resolved.customerListId,
						operation,
						batchSize,
						flushWindowMs,
						retryWindowMs,
						requestTimeoutMs,
					].join('|'),
					{
						adAccountId: job.adAccountId,
						customerListId: resolved.customerListId,
						operation,
						...settings,
					},
					env.gate,
					limiter,
				).submit({ records: source, client: job.client, stats, holdRemainder, onOutcome });
			if (job.action === 'mirror') {
				if (!job.mirror)
					throw new Error('A mirror run needs the memory of the list (SyncJob.mirror)');
				// The whole input is the membership: it is known only once every user is read.
				while (!prepared.done) {
					await nextTurn();
					prepared.advance(prepared.prepared + PREPARE_SLICE_USERS);
				}
				const added = recordAdded as Uint8Array;
				mirrored = await mirrorList({
					...job.mirror,
					key: mirrorKey(job.adAccountId, resolved.customerListId, job.fields),
					records: records.bytes,
					recordCount: records.length,
					alreadyAdded: skip,
					send: (operation, source, onOutcome) => {
						if (operation === 'REMOVE') tellIfNearlyDone(true);
						return dispatch(operation, source, false, onOutcome);
					},
					onUnchanged: (position) => {
						if (position >= skip) markRange(position, 1, { ok: true });
					},
					onAdded: (position, outcome) => {
						added[position] = 1;
						if (position >= skip) markRange(position, 1, outcome);
					},
				});
				if (mirrored.removeFailure !== undefined && !failures.includes(mirrored.removeFailure))
					failures.push(mirrored.removeFailure);
			} else {
				const operation: ListOperation = job.action === 'add' ? 'ADD' : 'REMOVE';
				const submissions: Array<Promise<void>> = [];
				let submitted = skip;
				const submit = (end: number, last: boolean): void => {
					const start = submitted;
					if (end <= start) return;
					submitted = end;
					submissions.push(
						dispatch(
							operation,
							recordRange(records, start, end),
							// Only a small execution's users wait, and only for company; a large one's last part leaves at once.
							!last ||
								(records.length - skip < batchSize &&
									company.worthWaiting(companyKey, executionId, Date.now())),
							(offset, count, outcome) => markRange(start + offset, count, outcome),
						),
					);
				};
				while (!prepared.done) {
					// Whole requests leave as soon as they are prepared; a remainder waits for the next slice.
					submit(skip + Math.floor((records.length - skip) / batchSize) * batchSize, false);
					await nextTurn();
					prepared.advance(prepared.prepared + PREPARE_SLICE_USERS);
				}
				submit(records.length, true);
				company.sent(companyKey, executionId, Date.now());
				tellIfNearlyDone();
				await Promise.all(submissions);
			}
		} catch (error) {
			// Setup failed (user lookup, audience lookup or creation): nobody could be synced.
			prepared.advance(job.userCount);
			for (let i = 0; i < records.length; i++) {
				if (recordOutcome[i] === 0) markRange(i, 1, { ok: false, error });
			}
			if (!failures.includes(error)) failures.push(error);
		} finally {
			leaveCompany();
			releaseTarget?.();
			await releaseRate?.();
		}
	}
	tellIfNearlyDone(true);

	const context = {
		adAccountId: job.adAccountId,
		audienceId:
			target?.audienceId ??
			(job.audience.mode === 'existing' ? job.audience.audienceId : undefined),
		audienceName:
			target?.audienceName ?? (job.audience.mode === 'createNew' ? job.audience.name : undefined),
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
	let usersAdded = 0;
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
			if (status === UserStatus.Synced && recordAdded) {
				for (let f = 0; f < width; f++) {
					const record = prepared.userRecords[user * width + f];
					if (record !== NO_RECORD && recordAdded[record] === 1) {
						usersAdded++;
						break;
					}
				}
			}
		}
		statuses[user] = status;
		counts[status]++;
	}

	const mirrorMetrics: Partial<SyncMetrics> = {};
	if (job.action === 'mirror') {
		mirrorMetrics.usersAdded = usersAdded;
		mirrorMetrics.usersRemoved = mirrored?.removed ?? 0;
		mirrorMetrics.usersUnchanged = counts[UserStatus.Synced] - usersAdded;
		mirrorMetrics.usersNotRemoved = mirrored?.notRemoved ?? 0;
		if (mirrored?.firstRun) mirrorMetrics.mirrorBaseline = MIRROR_BASELINE;
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
			recordsSent:
				recordOutcome.reduce(
					(n, o, record) =>
						n + (o === OUTCOME_OK && (!recordAdded || recordAdded[record] === 1) ? 1 : 0),
					0,
				) + (mirrored?.removed ?? 0),
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
			...mirrorMetrics,
			notSyncedReasons,
			errorReasons,
		},
	};
}

/** What the users' items named as their target, when it could not be used. */
export interface GivenTarget {
	adAccountId: string;
	audienceId: string | null;
	audienceName: string | null;
}

/**
 * The result for users whose item named no usable target (e.g. an empty audience name): each is Not Synced
 * with `reason`, and nothing was sent.
 */
export function notSyncedResult(
	userCount: number,
	reason: string,
	action: SyncAction,
	given: GivenTarget,
): SyncResult {
	const reasons = new Map<number, string>();
	for (let user = 0; user < userCount; user++) reasons.set(user, reason);
	return {
		statuses: new Uint8Array(userCount).fill(UserStatus.NotSynced),
		reasons,
		metrics: {
			entered: userCount,
			proceededToNextStep: userCount,
			usersSynced: 0,
			usersNotSynced: userCount,
			usersPending: 0,
			usersErrored: 0,
			recordsSent: 0,
			requests: 0,
			retries: 0,
			rateLimited: 0,
			durationMs: 0,
			...given,
			customerListId: null,
			audienceCreated: false,
			action,
			notSyncedReasons: userCount > 0 ? { [reason]: userCount } : {},
			errorReasons: {},
		},
	};
}
