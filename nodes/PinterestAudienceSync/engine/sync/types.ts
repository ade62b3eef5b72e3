// The contract of a sync: what the node asks of the engine, and what it gets back.
import type { SharedLocks } from '../coordination';
import type { AudienceTargets } from '../audience';
import type { MarketerMessage } from '../messages';
import type { MirrorOptions } from '../mirror';
import type { PinterestClient } from '../pinterest';
import {
	DEFAULT_BATCH_SIZE,
	DEFAULT_FLUSH_WINDOW_SECONDS,
	DEFAULT_REQUESTS_PER_SECOND,
	DEFAULT_REQUEST_TIMEOUT_SECONDS,
	DEFAULT_RETRY_WINDOW_MINUTES,
	MS_PER_MINUTE,
	MS_PER_SECOND,
} from '../pinterest';
import type { WriteLimiters } from '../rateLimit';
import type { AuthGates } from '../requests';
import type { MatchField, ReadIdentifier } from '../users';
import type { Coalescing } from './coalescing';
import type { Dispatchers } from './dispatcher';

/**
 * What outlives one execution and is shared by all of a process's syncs (the engine's runtime owns it):
 * the locks, the token gates, the write limiters, the dispatchers, the coalescing and the targets.
 */
export interface SyncRuntime {
	readonly locks: SharedLocks;
	readonly authGates: AuthGates;
	readonly writeLimiters: WriteLimiters;
	readonly dispatchers: Dispatchers;
	readonly coalescing: Coalescing;
	readonly targets: AudienceTargets;
}

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
	/** The process's shared state (see SyncRuntime). */
	runtime: SyncRuntime;
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

export const MIRROR_BASELINE = 'first run: no earlier membership known, nothing removed';

/** What the users' items named as their target, when it could not be used. */
export interface GivenTarget {
	adAccountId: string;
	audienceId: string | null;
	audienceName: string | null;
}
