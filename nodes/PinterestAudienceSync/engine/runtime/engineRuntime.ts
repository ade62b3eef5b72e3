import { AudienceTargets } from '../audience';
import type { Environment, RedisChoice, SharedLocks } from '../coordination';
import { InProcessLocks, RecentReads, redisChoiceFromEnvironment } from '../coordination';
import type { MirrorStore, OpenMirrorStore } from '../mirror';
import { openMirrorStore } from '../mirror';
import { RedisLimiterFactory, WriteLimiters, inProcessLimiterFactory } from '../rateLimit';
import { AuthGates } from '../requests';
import type { SyncRuntime } from '../sync';
import { Coalescing, Dispatchers } from '../sync';

/**
 * Everything of the engine that outlives an execution, in one object per process: the locks, the token
 * gates per credential, the write limiters per Pinterest user, the dispatchers and the coalescing of
 * executions heading for the same list, the shared targets, and the Redis connections behind them in
 * queue mode. Executions in n8n meet only here. `close()` ends its connections (shutdown, tests).
 */
export class EngineRuntime implements SyncRuntime {
	readonly locks: SharedLocks;
	readonly authGates: AuthGates;
	readonly writeLimiters: WriteLimiters;
	readonly dispatchers = new Dispatchers();
	readonly coalescing = new Coalescing();
	readonly targets = new AudienceTargets();
	/** A list's errors read after a sync: Pinterest processes lists over hours, a minute is fresh. */
	readonly listReads = new RecentReads(60_000);
	/** Whether the limit and the locks span every process on a Redis (queue mode). */
	readonly sharedAcrossProcesses: boolean;
	/** host:port of that Redis (never its credentials), when there is one. */
	readonly redisEndpoint: string | undefined;
	private readonly redisLimiter: RedisLimiterFactory | undefined;
	private mirror: OpenMirrorStore | undefined;

	constructor(
		private readonly redis?: RedisChoice,
		private readonly env: Environment = process.env,
	) {
		this.redisLimiter = redis && new RedisLimiterFactory(redis);
		this.sharedAcrossProcesses = this.redisLimiter !== undefined;
		this.redisEndpoint = this.redisLimiter?.endpoint;
		this.locks = this.redisLimiter?.locks ?? new InProcessLocks();
		this.writeLimiters = new WriteLimiters(this.redisLimiter ?? inProcessLimiterFactory);
		this.authGates = new AuthGates(this.locks);
	}

	/** Where Mirror remembers what it synced: on the same Redis as the limit, else in n8n's folder. */
	mirrorStore(): MirrorStore {
		this.mirror ??= openMirrorStore(this.redis, this.env);
		return this.mirror.store;
	}

	async close(): Promise<void> {
		await this.redisLimiter?.close();
		await this.mirror?.close();
		this.mirror = undefined;
	}
}

const runtimes = new Map<string, EngineRuntime>();

/**
 * The runtime of this process for the Redis its environment names (see redisSettings.ts). In n8n the
 * environment does not change, so this is one object per process.
 */
export function processRuntime(env: Environment = process.env): EngineRuntime {
	const redis = redisChoiceFromEnvironment(env);
	const key = JSON.stringify(redis ?? null);
	let runtime = runtimes.get(key);
	if (!runtime) {
		runtime = new EngineRuntime(redis, env);
		runtimes.set(key, runtime);
	}
	return runtime;
}

/**
 * Closes every runtime of this process and forgets it: the next `processRuntime()` starts afresh (a
 * test's reset; a shutdown's close).
 */
export async function closeProcessRuntimes(): Promise<void> {
	const open = [...runtimes.values()];
	runtimes.clear();
	for (const runtime of open) await runtime.close();
}
