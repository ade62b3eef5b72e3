import type { ResolvedAudience } from '../audience';
import { existingAudience } from '../audience';
import { nextTurn } from '../coordination';
import { audienceLabel } from '../messages';
import { mirrorKey, mirrorList } from '../mirror';
import {
	AudienceProblem,
	MAX_USERS_PER_REQUEST,
	MAX_WRITES_PER_SECOND,
	classifyFailure,
	newCallStats,
} from '../pinterest';
import type { BatchOutcome, ListOperation } from '../pinterest';
import type { UserWriteLimiter } from '../rateLimit';
import { MATCH_FIELD_LABELS, UserPreparer, recordRange } from '../users';
import type { RecordSource } from '../users';
import { PENDING, RecordOutcomes } from './outcomes';
import type { SyncRun } from './run';
import { failureContextOf } from './run';
import { resultOf } from './tally';
import type { SyncJob, SyncResult, SyncSettings } from './types';

/** Users read and hashed between two turns of the event loop while requests are under way (a few ms). */
const PREPARE_SLICE_USERS = 1024;
/** Records left unsettled when `onNearlyDone` is called: two seconds of writes at the ceiling. */
const NEARLY_DONE_RECORDS = 2 * MAX_WRITES_PER_SECOND * MAX_USERS_PER_REQUEST;

let syncsWithoutExecutionId = 0;

/** Where a run meets the executions heading for the same list (see coalescing.ts). */
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
			gate: job.runtime.authGates.gateFor(job.credentialKey),
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
	retireSettledRecords(run);
	run.job.onNearlyDone?.();
}

/**
 * Add and Remove read a record only to build the request that carries it: the bytes of those below the
 * first unsettled one are freed before the caller builds its outputs (32 MB at a million users).
 */
function retireSettledRecords(run: SyncRun): void {
	const { users, outcomes } = run;
	if (run.job.action === 'mirror' || !users.done) return;
	let first = 0;
	while (first < users.records.length && outcomes.outcome[first] !== PENDING) first++;
	users.records.retireBefore(first);
}

/** Records [start, start + count) settled; a list found gone or forbidden is looked up afresh next time. */
function settle(run: SyncRun, start: number, count: number, outcome: BatchOutcome): void {
	run.outcomes.settle(start, count, outcome);
	tellIfNearlyDone(run);
	if (outcome.ok || !run.target) return;
	const kind = classifyFailure(outcome.error);
	if (kind === 'notFound' || kind === 'forbidden')
		run.job.runtime.targets.forgetCustomerList(run.target.customerListId);
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
	const { coalescing } = job.runtime;
	const leaveCompany = coalescing.join(key, executionId, job.settings.flushWindowMs, Date.now());
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
	const { targets, writeLimiters } = job.runtime;
	const pinterestUserId = await targets.pinterestUserOf(run.pinterest, job.credentialKey);
	const limiter = writeLimiters.limiterFor(pinterestUserId, requestsPerSecond);
	held.releaseRate = await limiter.useRate(requestsPerSecond);
	const shared = await targets.sharedTarget(targetKeyOf(job), () => lookUpTarget(run, limiter));
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
	return job.runtime.targets.findOrCreateAudience(run.pinterest, limiter, {
		credentialKey: job.credentialKey,
		adAccountId: job.adAccountId,
		name: audience.name,
		description: audience.description,
		fields: job.fields,
		firstRecords: records.toArray(0, Math.min(records.length, job.settings.batchSize)),
		mayCreate: job.action !== 'remove',
		locks: job.runtime.locks,
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
		job.runtime.dispatchers
			.dispatcherFor(
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
			)
			.submit({ records, client: job.client, stats: pinterest.stats, holdRemainder, onOutcome });
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
				job.runtime.coalescing.worthWaiting(presence.key, presence.executionId, Date.now()));
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
	job.runtime.coalescing.sent(presence.key, presence.executionId, Date.now());
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
		readRecords: () => users.records.bytes,
		recordCount: users.records.length,
		// The plan keeps what it sends (a copy, or the records sorted in place): the records are not read
		// by position again, and their 32 bytes a user go before the outputs are built.
		onPlanned: () => users.records.retireBefore(users.records.length),
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
