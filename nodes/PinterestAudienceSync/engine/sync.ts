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
import { AudienceProblem, classifyFailure } from './errors';
import type { LimiterFactory, UserWriteLimiter } from './limiter';
import { inProcessLimiterFactory, writeLimiterFor } from './limiter';
import {
	DEFAULT_BATCH_SIZE,
	DEFAULT_FLUSH_WINDOW_SECONDS,
	DEFAULT_REQUESTS_PER_SECOND,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	DEFAULT_RETRY_WINDOW_MINUTES,
	MAX_USERS_PER_REQUEST,
	MAX_WRITES_PER_SECOND,
	MS_PER_MINUTE,
	MS_PER_SECOND,
} from './limits';
import type { FailureContext, MarketerMessage } from './messages';
import { audienceLabel, describeFailure } from './messages';
import type { MirrorOptions, MirrorReport } from './mirror';
import { mirrorKey, mirrorList } from './mirror';
import type { MatchField } from './normalise';
import { MATCH_FIELD_LABELS } from './normalise';
import type { ReadIdentifier, RecordSource } from './records';
import { NO_RECORD, UserPreparer, recordRange } from './records';
import { nextTurn } from './retry';

export type SyncAction = 'add' | 'remove' | 'mirror';

export type AudienceChoice =
	| { mode: 'existing'; audienceId: string }
	/** `description`: the new audience's description, when the node creates it. */
	| { mode: 'createNew'; name: string; description?: string };

export interface SyncSettings {
	batchSize: number;
	requestsPerSecond: number;
	retryWindowMs: number;
	flushWindowMs: number;
	requestTimeoutMs: number;
}

export const DEFAULT_SYNC_SETTINGS: SyncSettings = {
	batchSize: DEFAULT_BATCH_SIZE,
	requestsPerSecond: DEFAULT_REQUESTS_PER_SECOND,
	retryWindowMs: DEFAULT_RETRY_WINDOW_MINUTES * MS_PER_MINUTE,
	flushWindowMs: DEFAULT_FLUSH_WINDOW_SECONDS * MS_PER_SECOND,
	requestTimeoutMs: DEFAULT_REQUEST_TIMEOUT_SECONDS * MS_PER_SECOND,
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

/** What became of a record: not settled yet, acknowledged by Pinterest, or failed. */
const PENDING = 0;
const OUTCOME_OK = 1;
const OUTCOME_FAILED = 2;
/** Users read and hashed between two turns of the event loop while requests are under way (a few ms). */
const PREPARE_SLICE_USERS = 1024;
/** Records left unsettled when `onNearlyDone` is called: two seconds of writes at the ceiling. */
const NEARLY_DONE_RECORDS = 2 * MAX_WRITES_PER_SECOND * MAX_USERS_PER_REQUEST;
export const MIRROR_BASELINE = 'first run: no earlier membership known, nothing removed';
let syncsWithoutExecutionId = 0;

/**
 * What became of each unique record of a run. A failed record points at its failure in `failures`, which
 * holds each distinct failure once, in the order they happened.
 */
class RecordOutcomes {
	/** PENDING, OUTCOME_OK or OUTCOME_FAILED, per record. */
	readonly outcome: Uint8Array;
	/** Per failed record, the index of its failure in `failures`. */
	readonly failureOf: Int32Array;
	/** Mirror only: records that had to be added (1), as opposed to those already members (0). */
	readonly added: Uint8Array | undefined;
	readonly failures: unknown[] = [];
	/** Records settled so far, either way. */
	settled = 0;

	/** How many unique records there are is known only at the end: room for the most there can be. */
	constructor(maxRecords: number, mirror: boolean) {
		this.outcome = new Uint8Array(maxRecords);
		this.failureOf = new Int32Array(maxRecords).fill(-1);
		this.added = mirror ? new Uint8Array(maxRecords) : undefined;
	}

	/** Records [start, start + count) settled with `outcome`. */
	settle(start: number, count: number, outcome: BatchOutcome): void {
		this.settled += count;
		if (outcome.ok) {
			this.outcome.fill(OUTCOME_OK, start, start + count);
			return;
		}
		const failure = this.noteFailure(outcome.error);
		this.outcome.fill(OUTCOME_FAILED, start, start + count);
		this.failureOf.fill(failure, start, start + count);
	}

	/** Keeps a failure once; its index in `failures`. */
	noteFailure(error: unknown): number {
		const known = this.failures.indexOf(error);
		return known === -1 ? this.failures.push(error) - 1 : known;
	}

	/** Records Pinterest acknowledged that had to be sent (for Mirror, not those already members). */
	acknowledgedSends(): number {
		const { outcome, added } = this;
		let sent = 0;
		for (let record = 0; record < outcome.length; record++) {
			if (outcome[record] === OUTCOME_OK && (!added || added[record] === 1)) sent++;
		}
		return sent;
	}
}

/** One run's state, shared by its steps. */
interface SyncRun {
	job: SyncJob;
	/** Reads and hashes the users a slice at a time; holds their unique records. */
	users: UserPreparer;
	outcomes: RecordOutcomes;
	/** How this run calls Pinterest: client, the credential's token gate, counters, retry window, timeout. */
	pinterest: CallEnvironment;
	/** The audience and customer list the users go to, once resolved. */
	target?: ResolvedAudience;
	/** Mirror only: what the mirror run reported (first run, removals). */
	mirrored?: MirrorReport;
	toldNearlyDone: boolean;
}

/** Where a run meets the executions heading for the same list (see company.ts). */
interface Presence {
	key: string;
	executionId: string;
}

/** What a run resolves before it sends: the Pinterest user's write limiter, and the list. */
interface ResolvedTarget {
	limiter: UserWriteLimiter;
	target: ResolvedAudience;
}

/** What a run holds while it syncs, released when it ends however it ends. */
interface HeldWhileSyncing {
	/** Ends this run's use of its rate on the Pinterest user's limiter. */
	releaseRate?: () => Promise<void>;
	/** Lets the lookup of the target shared with overlapping executions go once nobody uses it. */
	releaseTarget?: () => void;
}

/** Sends records to the list through the dispatcher; outcomes per slice of `records`. */
type SendToList = (
	operation: ListOperation,
	records: RecordSource,
	holdRemainder: boolean,
	onOutcome: (start: number, count: number, outcome: BatchOutcome) => void,
) => Promise<void>;

/** One execution's sync: normalise → dedupe → (find or create) → chunk → limit → retry → account. */
export async function runSync(job: SyncJob): Promise<SyncResult> {
	const started = Date.now();
	const run = startRun(job);
	if (run.users.records.length > 0 || job.audience.mode === 'existing' || job.action === 'mirror')
		await syncWithPinterest(run);
	tellIfNearlyDone(run, true);
	return resultOf(run, started);
}

function limiterFactoryOf(job: SyncJob): LimiterFactory {
	return job.limiterFactory ?? inProcessLimiterFactory;
}

function startRun(job: SyncJob): SyncRun {
	// The users of a large execution are prepared a slice at a time, so that its first requests leave
	// while the rest are still read and hashed; enough for one request (and for a create) come first.
	const users = new UserPreparer(job.userCount, job.fields, job.readIdentifier);
	users.advance(job.userCount, job.settings.batchSize);
	return {
		job,
		users,
		outcomes: new RecordOutcomes(job.userCount * job.fields.length, job.action === 'mirror'),
		pinterest: {
			client: job.client,
			gate: authGateFor(job.credentialKey, limiterFactoryOf(job).locks),
			stats: newCallStats(),
			retryWindowMs: job.settings.retryWindowMs,
			requestTimeoutMs: job.settings.requestTimeoutMs,
		},
		toldNearlyDone: false,
	};
}

/** Reads and hashes the next slice of users after a turn of the event loop, so requests keep leaving. */
async function prepareNextSlice(users: UserPreparer): Promise<void> {
	await nextTurn();
	users.advance(users.prepared + PREPARE_SLICE_USERS);
}

/**
 * Calls `onNearlyDone` once: when every user is prepared and few records are left unsettled, or at
 * once when `now`.
 */
function tellIfNearlyDone(run: SyncRun, now = false): void {
	if (run.toldNearlyDone) return;
	const unsettled = run.users.records.length - run.outcomes.settled;
	if (!now && !(run.users.done && unsettled <= NEARLY_DONE_RECORDS)) return;
	run.toldNearlyDone = true;
	run.job.onNearlyDone?.();
}

/** Records [start, start + count) settled; a list found gone or forbidden is looked up afresh next time. */
function settle(run: SyncRun, start: number, count: number, outcome: BatchOutcome): void {
	run.outcomes.settle(start, count, outcome);
	tellIfNearlyDone(run);
	if (outcome.ok || !run.target) return;
	const kind = classifyFailure(outcome.error);
	if (kind === 'notFound' || kind === 'forbidden') forgetCustomerList(run.target.customerListId);
}

/** Names the list as the job picked it: by audience ID, or by the name to find or create. */
function targetKeyOf(job: SyncJob): string {
	const { audience } = job;
	const audienceKey = audience.mode === 'existing' ? audience.audienceId : audience.name;
	return [job.credentialKey, job.adAccountId, audience.mode, audienceKey].join('|');
}

/** The settings that must match for executions to share requests. */
function sharingSettingsKey(settings: SyncSettings): string {
	const { batchSize, flushWindowMs, retryWindowMs, requestTimeoutMs } = settings;
	return [batchSize, flushWindowMs, retryWindowMs, requestTimeoutMs].join('|');
}

/** Resolves the target, then sends the users while the rest are still prepared. */
async function syncWithPinterest(run: SyncRun): Promise<void> {
	const { job } = run;
	// Present from the start (also while the audience is looked up): executions heading to the same list
	// at the same moment are company worth waiting for.
	const presence: Presence = {
		key: [targetKeyOf(job), job.action, sharingSettingsKey(job.settings)].join('|'),
		executionId: job.executionId || `sync-${++syncsWithoutExecutionId}`,
	};
	const { key, executionId } = presence;
	const leaveCompany = company.join(key, executionId, job.settings.flushWindowMs, Date.now());
	const held: HeldWhileSyncing = {};
	try {
		const resolving = resolveTarget(run, held);
		// The lookups travel while more users are prepared.
		let lookedUp = false;
		resolving.then(
			() => (lookedUp = true),
			() => (lookedUp = true),
		);
		while (!lookedUp && !run.users.done) await prepareNextSlice(run.users);
		const resolved = await resolving;
		const sentOnCreate = resolved.target.recordsSentOnCreate;
		if (sentOnCreate > 0) run.outcomes.settle(0, sentOnCreate, { ok: true });
		if (job.action === 'mirror') await mirrorUsers(run, resolved);
		else await sendUsers(run, resolved, presence);
	} catch (error) {
		failUnsettled(run, error);
	} finally {
		leaveCompany();
		held.releaseTarget?.();
		await held.releaseRate?.();
	}
}

/**
 * The Pinterest user's write limiter, with this run's rate taken on it, and the list: looked up (or
 * created) once for all executions that overlap.
 */
async function resolveTarget(run: SyncRun, held: HeldWhileSyncing): Promise<ResolvedTarget> {
	const { job } = run;
	const { requestsPerSecond } = job.settings;
	const pinterestUserId = await pinterestUserOf(run.pinterest, job.credentialKey);
	const limiter = await writeLimiterFor(pinterestUserId, requestsPerSecond, limiterFactoryOf(job));
	held.releaseRate = await limiter.useRate(requestsPerSecond);
	const shared = await sharedTarget(targetKeyOf(job), () => lookUpTarget(run, limiter));
	run.target = shared.target;
	held.releaseTarget = shared.release;
	return { limiter, target: shared.target };
}

/** The audience picked by ID, or the one named: created with the first records unless the run removes. */
function lookUpTarget(run: SyncRun, limiter: UserWriteLimiter): Promise<ResolvedAudience> {
	const { job } = run;
	const { audience } = job;
	if (audience.mode === 'existing')
		return existingAudience(run.pinterest, job.adAccountId, audience.audienceId);
	const { records } = run.users;
	return findOrCreateAudience(run.pinterest, limiter, {
		credentialKey: job.credentialKey,
		adAccountId: job.adAccountId,
		name: audience.name,
		description: audience.description,
		fields: job.fields,
		firstRecords: records.toArray(0, Math.min(records.length, job.settings.batchSize)),
		mayCreate: job.action !== 'remove',
		locks: limiterFactoryOf(job).locks,
	});
}

/**
 * A dispatcher lives while it has work and sends with its creator's settings: executions share one only
 * when their settings match, and an execution with nothing left to send creates none.
 */
function senderTo(run: SyncRun, { limiter, target }: ResolvedTarget): SendToList {
	const { job, pinterest } = run;
	const { adAccountId, credentialKey } = job;
	const { customerListId } = target;
	return (operation, records, holdRemainder, onOutcome) =>
		dispatcherFor(
			[
				credentialKey,
				adAccountId,
				customerListId,
				operation,
				sharingSettingsKey(job.settings),
			].join('|'),
			{ adAccountId, customerListId, operation, ...job.settings },
			pinterest.gate,
			limiter,
		).submit({ records, client: job.client, stats: pinterest.stats, holdRemainder, onOutcome });
}

/** Add or Remove: the users' records leave in requests while the rest are still prepared. */
async function sendUsers(
	run: SyncRun,
	resolved: ResolvedTarget,
	presence: Presence,
): Promise<void> {
	const { job, users } = run;
	const { records } = users;
	const { batchSize } = job.settings;
	const send = senderTo(run, resolved);
	const operation: ListOperation = job.action === 'add' ? 'ADD' : 'REMOVE';
	const sentOnCreate = resolved.target.recordsSentOnCreate;
	const submissions: Array<Promise<void>> = [];
	let submitted = sentOnCreate;
	const submitUpTo = (end: number, last: boolean): void => {
		const start = submitted;
		if (end <= start) return;
		submitted = end;
		// Only a small execution's users wait, and only for company; a large one's last part leaves at once.
		const holdRemainder =
			!last ||
			(records.length - sentOnCreate < batchSize &&
				company.worthWaiting(presence.key, presence.executionId, Date.now()));
		submissions.push(
			send(operation, recordRange(records, start, end), holdRemainder, (offset, count, outcome) =>
				settle(run, start + offset, count, outcome),
			),
		);
	};
	while (!users.done) {
		// Whole requests leave as soon as they are prepared; a remainder waits for the next slice.
		const wholeRequests = Math.floor((records.length - sentOnCreate) / batchSize);
		submitUpTo(sentOnCreate + wholeRequests * batchSize, false);
		await prepareNextSlice(users);
	}
	submitUpTo(records.length, true);
	company.sent(presence.key, presence.executionId, Date.now());
	tellIfNearlyDone(run);
	await Promise.all(submissions);
}

/** Mirror: the whole input is the list's membership; the list's memory says what to add and remove. */
async function mirrorUsers(run: SyncRun, resolved: ResolvedTarget): Promise<void> {
	const { job, users, outcomes } = run;
	if (!job.mirror) throw new Error('A mirror run needs the memory of the list (SyncJob.mirror)');
	// The membership is known only once every user is read.
	while (!users.done) await prepareNextSlice(users);
	const send = senderTo(run, resolved);
	const added = outcomes.added as Uint8Array;
	const sentOnCreate = resolved.target.recordsSentOnCreate;
	run.mirrored = await mirrorList({
		...job.mirror,
		key: mirrorKey(job.adAccountId, resolved.target.customerListId, job.fields),
		records: users.records.bytes,
		recordCount: users.records.length,
		alreadyAdded: sentOnCreate,
		send: (operation, records, onOutcome) => {
			if (operation === 'REMOVE') tellIfNearlyDone(run, true);
			return send(operation, records, false, onOutcome);
		},
		onUnchanged: (position) => {
			if (position >= sentOnCreate) settle(run, position, 1, { ok: true });
		},
		onAdded: (position, outcome) => {
			added[position] = 1;
			if (position >= sentOnCreate) settle(run, position, 1, outcome);
		},
	});
	if (run.mirrored.removeFailure !== undefined) outcomes.noteFailure(run.mirrored.removeFailure);
	if (run.mirrored.keptForEmptyInput) outcomes.noteFailure(emptyMirrorInput(run));
}

/** Why a Mirror run whose input had no usable user removed no one. */
function emptyMirrorInput(run: SyncRun): AudienceProblem {
	const fields = run.job.fields.map((field) => MATCH_FIELD_LABELS[field]).join(' or ');
	return new AudienceProblem(
		`Mirror removed no one from ${audienceLabel(failureContextOf(run))}: none of the ${run.job.userCount} users has a usable ${fields}, and mirroring that would empty the audience. Check the identifier fields (e.g. the Email expression); to empty the audience on purpose, use the Remove action.`,
		`no user with a usable ${fields}`,
	);
}

/**
 * The lookups, the creation or Mirror's memory failed: every record not settled yet failed with it, so its
 * users are Errored.
 */
function failUnsettled(run: SyncRun, error: unknown): void {
	const { users, outcomes } = run;
	users.advance(run.job.userCount);
	for (let record = 0; record < users.records.length; record++) {
		if (outcomes.outcome[record] === PENDING) settle(run, record, 1, { ok: false, error });
	}
	outcomes.noteFailure(error);
}

/** The target as far as it is known, for failure messages and the metrics. */
function failureContextOf(run: SyncRun): FailureContext {
	const { job, target } = run;
	const { audience } = job;
	return {
		adAccountId: job.adAccountId,
		audienceId:
			target?.audienceId ?? (audience.mode === 'existing' ? audience.audienceId : undefined),
		audienceName:
			target?.audienceName ?? (audience.mode === 'createNew' ? audience.name : undefined),
		customerListId: target?.customerListId,
		retryWindowMs: job.settings.retryWindowMs,
	};
}

function resultOf(run: SyncRun, started: number): SyncResult {
	const context = failureContextOf(run);
	const { failures } = run.outcomes;
	const messages = failures.map((error) => describeFailure(error, context));
	const tally = tallyUsers(run, messages);
	return {
		statuses: tally.statuses,
		reasons: tally.reasons,
		failure: messages[0],
		failureCause: failures[0],
		metrics: metricsOf(run, tally, context, started),
	};
}

/** What became of each user, and the counts. */
interface UserTally {
	statuses: Uint8Array;
	/** Reason per user that was not synced or errored. */
	reasons: Map<number, string>;
	/** Users per UserStatus. */
	counts: number[];
	notSyncedReasons: Record<string, number>;
	errorReasons: Record<string, number>;
	/** Mirror only: synced users with a record that had to be added. */
	usersAdded: number;
}

function tallyUsers(run: SyncRun, messages: MarketerMessage[]): UserTally {
	const { userCount } = run.job;
	const tally: UserTally = {
		statuses: new Uint8Array(userCount),
		reasons: new Map(),
		counts: [0, 0, 0, 0],
		notSyncedReasons: {},
		errorReasons: {},
		usersAdded: 0,
	};
	for (let user = 0; user < userCount; user++) {
		const status = tallyUser(run, user, messages, tally);
		tally.statuses[user] = status;
		tally.counts[status]++;
	}
	return tally;
}

function countReason(reasons: Record<string, number>, reason: string): void {
	reasons[reason] = (reasons[reason] ?? 0) + 1;
}

/**
 * One user's status, its reason noted in `tally`: Not Synced without a usable identifier, Errored when a
 * record failed, Pending while one is unsettled, else Synced.
 */
function tallyUser(
	run: SyncRun,
	user: number,
	messages: MarketerMessage[],
	tally: UserTally,
): UserStatus {
	const notSynced = run.users.notSynced.get(user);
	if (notSynced !== undefined) {
		tally.reasons.set(user, notSynced);
		countReason(tally.notSyncedReasons, notSynced);
		return UserStatus.NotSynced;
	}
	const { outcome, failureOf } = run.outcomes;
	const width = run.job.fields.length;
	let status = UserStatus.Synced;
	for (let field = 0; field < width; field++) {
		const record = run.users.userRecords[user * width + field];
		if (record === NO_RECORD) continue;
		if (outcome[record] === OUTCOME_FAILED) {
			const reason = messages[failureOf[record]].reason;
			tally.reasons.set(user, reason);
			countReason(tally.errorReasons, reason);
			return UserStatus.Errored;
		}
		if (outcome[record] !== OUTCOME_OK) status = UserStatus.Pending;
	}
	if (status === UserStatus.Synced && hadToBeAdded(run, user)) tally.usersAdded++;
	return status;
}

/** Mirror: whether one of a user's records had to be added (was not a member already). */
function hadToBeAdded(run: SyncRun, user: number): boolean {
	const { added } = run.outcomes;
	if (!added) return false;
	const width = run.job.fields.length;
	for (let field = 0; field < width; field++) {
		const record = run.users.userRecords[user * width + field];
		if (record !== NO_RECORD && added[record] === 1) return true;
	}
	return false;
}

function metricsOf(
	run: SyncRun,
	tally: UserTally,
	context: FailureContext,
	started: number,
): SyncMetrics {
	const { job, target, mirrored } = run;
	const { stats } = run.pinterest;
	const { counts } = tally;
	return {
		entered: job.userCount,
		proceededToNextStep: job.userCount,
		usersSynced: counts[UserStatus.Synced],
		usersNotSynced: counts[UserStatus.NotSynced],
		usersPending: counts[UserStatus.Pending],
		usersErrored: counts[UserStatus.Errored],
		recordsSent: run.outcomes.acknowledgedSends() + (mirrored?.removed ?? 0),
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
		...(job.action === 'mirror' ? mirrorMetricsOf(mirrored, tally) : {}),
		notSyncedReasons: tally.notSyncedReasons,
		errorReasons: tally.errorReasons,
	};
}

function mirrorMetricsOf(
	mirrored: MirrorReport | undefined,
	tally: UserTally,
): Partial<SyncMetrics> {
	const metrics: Partial<SyncMetrics> = {
		usersAdded: tally.usersAdded,
		usersRemoved: mirrored?.removed ?? 0,
		usersUnchanged: tally.counts[UserStatus.Synced] - tally.usersAdded,
		usersNotRemoved: mirrored?.notRemoved ?? 0,
	};
	if (mirrored?.firstRun) metrics.mirrorBaseline = MIRROR_BASELINE;
	return metrics;
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
