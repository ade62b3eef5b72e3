import type { ResolvedAudience } from '../audience';
import type { FailureContext } from '../messages';
import type { MirrorReport } from '../mirror';
import type { CallEnvironment } from '../requests';
import type { UserPreparer } from '../users';
import type { RecordOutcomes } from './outcomes';
import type { SyncJob } from './types';

/** One run's state, shared by its steps. */
export interface SyncRun {
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

/** The target as far as it is known, for failure messages and the metrics. */
export function failureContextOf(run: SyncRun): FailureContext {
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
