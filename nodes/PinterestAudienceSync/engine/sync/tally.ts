import type { FailureContext, MarketerMessage } from '../messages';
import { describeFailure } from '../messages';
import type { MirrorReport } from '../mirror';
import { NO_RECORD } from '../users';
import { OUTCOME_FAILED, OUTCOME_OK } from './outcomes';
import type { SyncRun } from './run';
import { failureContextOf } from './run';
import type { GivenTarget, SyncAction, SyncMetrics, SyncResult } from './types';
import { MIRROR_BASELINE, UserStatus } from './types';

/** What became of each user, counted into the Users output's statuses and the Metrics item. */

export function resultOf(run: SyncRun, started: number): SyncResult {
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
	const { outcome } = run.outcomes;
	const width = run.job.fields.length;
	let status = UserStatus.Synced;
	for (let field = 0; field < width; field++) {
		const record = run.users.userRecords[user * width + field];
		if (record === NO_RECORD) continue;
		if (outcome[record] === OUTCOME_FAILED) {
			const reason = messages[run.outcomes.failureAt(record)].reason;
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
