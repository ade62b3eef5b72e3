import { readFileSync } from 'fs';
import type { RedisOptions } from 'ioredis';

/**
 * Whether and which Redis the engine shares its state through (the rate limit, locks, Mirror's memory),
 * from the environment of the n8n process. In queue mode the workers must
 * share one limiter per Pinterest user, or N workers would send N times the rate:
 *
 * 1. `PINTEREST_AUDIENCE_SYNC_REDIS=off` (or `false`, `0`, `disabled`): in-process limiter, whatever
 *    else is set. Only right with a single process doing syncs.
 * 2. `PINTEREST_AUDIENCE_SYNC_REDIS_URL` (`redis://[[user]:password@]host[:port][/db]`, `rediss://` for
 *    TLS): that Redis, in any executions mode.
 * 3. `EXECUTIONS_MODE=queue`: n8n's own queue Redis, read from the variables n8n reads
 *    (`QUEUE_BULL_REDIS_HOST` (localhost), `_PORT` (6379), `_USERNAME`, `_PASSWORD`, `_DB` (0), `_TLS`,
 *    `_DUALSTACK`, each also as `<NAME>_FILE` like n8n). Redis Cluster (`QUEUE_BULL_REDIS_CLUSTER_NODES`)
 *    is refused with a clear error: Bottleneck's scripts touch several keys, which Cluster would spread.
 * 4. Otherwise: in-process.
 *
 * `PINTEREST_AUDIENCE_SYNC_REDIS_TIMEOUT_MS` sets how long a write waits for an unreachable Redis before
 * the sync fails (default 10000).
 */

export type Environment = Readonly<Record<string, string | undefined>>;

export interface RedisChoice {
	redis: RedisOptions;
	/** Names the variables the settings came from, for error messages. */
	settingsHint: string;
	unavailableAfterMs?: number;
}

/** The Redis configuration cannot be used; thrown when the node starts a sync. */
export class RedisConfigurationError extends Error {
	constructor(message: string) {
		super(message);
		this.name = 'RedisConfigurationError';
	}
}

const OFF_VALUES = ['off', 'false', '0', 'no', 'disabled'];

/** Like n8n's config loader: the variable, else the contents of the file named by `<NAME>_FILE`. */
function readVariable(env: Environment, name: string): string | undefined {
	const value = env[name];
	if (value !== undefined) return value;
	const file = env[`${name}_FILE`];
	if (file) return readFileSync(file, 'utf8');
	return undefined;
}

function flag(env: Environment, name: string): boolean {
	const value = readVariable(env, name);
	return value !== undefined && ['true', '1'].includes(value.trim().toLowerCase());
}

function integer(value: string | undefined, name: string, fallback: number): number {
	if (value === undefined || value.trim() === '') return fallback;
	const parsed = Number(value);
	if (!Number.isInteger(parsed) || parsed < 0) {
		throw new RedisConfigurationError(`${name} must be a whole number, not "${value}".`);
	}
	return parsed;
}

/** `redis://[[user]:password@]host[:port][/db]` or `rediss://…` into ioredis options. */
export function redisOptionsFromUrl(url: string): RedisOptions {
	let parsed: URL;
	try {
		parsed = new URL(url);
	} catch {
		throw new RedisConfigurationError(
			'PINTEREST_AUDIENCE_SYNC_REDIS_URL is not a valid URL; expected redis://[:password@]host[:port][/db].',
		);
	}
	if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
		throw new RedisConfigurationError(
			`PINTEREST_AUDIENCE_SYNC_REDIS_URL must start with redis:// or rediss://, not ${parsed.protocol}//.`,
		);
	}
	const options: RedisOptions = {
		host: parsed.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost',
		port: integer(parsed.port || undefined, 'The port in PINTEREST_AUDIENCE_SYNC_REDIS_URL', 6379),
		db: integer(
			parsed.pathname.replace(/^\//, '') || undefined,
			'The database in PINTEREST_AUDIENCE_SYNC_REDIS_URL',
			0,
		),
	};
	if (parsed.username) options.username = decodeURIComponent(parsed.username);
	if (parsed.password) options.password = decodeURIComponent(parsed.password);
	if (parsed.protocol === 'rediss:') options.tls = {};
	return options;
}

/** The Redis to share the limit through, or undefined for the in-process limiter. */
export function redisChoiceFromEnvironment(
	env: Environment = process.env,
): RedisChoice | undefined {
	const toggle = env.PINTEREST_AUDIENCE_SYNC_REDIS;
	if (toggle !== undefined && OFF_VALUES.includes(toggle.trim().toLowerCase())) return undefined;
	const timeout = env.PINTEREST_AUDIENCE_SYNC_REDIS_TIMEOUT_MS;
	const unavailableAfterMs =
		timeout === undefined
			? undefined
			: integer(timeout, 'PINTEREST_AUDIENCE_SYNC_REDIS_TIMEOUT_MS', 0) || undefined;

	const url = env.PINTEREST_AUDIENCE_SYNC_REDIS_URL;
	if (url !== undefined && url.trim() !== '') {
		return {
			redis: redisOptionsFromUrl(url.trim()),
			settingsHint: 'set by PINTEREST_AUDIENCE_SYNC_REDIS_URL',
			unavailableAfterMs,
		};
	}

	if ((env.EXECUTIONS_MODE ?? '').trim().toLowerCase() !== 'queue') return undefined;
	if ((readVariable(env, 'QUEUE_BULL_REDIS_CLUSTER_NODES') ?? '').trim() !== '') {
		throw new RedisConfigurationError(
			"n8n's queue Redis is a Redis Cluster (QUEUE_BULL_REDIS_CLUSTER_NODES), which Pinterest Audience Sync's shared rate limiter cannot use. Point PINTEREST_AUDIENCE_SYNC_REDIS_URL at a standalone Redis (redis://[:password@]host:port/db) reachable from every worker, or set PINTEREST_AUDIENCE_SYNC_REDIS=off if only one process syncs.",
		);
	}
	const redis: RedisOptions = {
		host: readVariable(env, 'QUEUE_BULL_REDIS_HOST') || 'localhost',
		port: integer(readVariable(env, 'QUEUE_BULL_REDIS_PORT'), 'QUEUE_BULL_REDIS_PORT', 6379),
		db: integer(readVariable(env, 'QUEUE_BULL_REDIS_DB'), 'QUEUE_BULL_REDIS_DB', 0),
	};
	const username = readVariable(env, 'QUEUE_BULL_REDIS_USERNAME');
	const password = readVariable(env, 'QUEUE_BULL_REDIS_PASSWORD');
	if (username) redis.username = username;
	if (password) redis.password = password;
	if (flag(env, 'QUEUE_BULL_REDIS_TLS')) redis.tls = {};
	if (flag(env, 'QUEUE_BULL_REDIS_DUALSTACK')) redis.family = 0;
	return {
		redis,
		settingsHint:
			"n8n's queue settings QUEUE_BULL_REDIS_HOST, _PORT, _USERNAME, _PASSWORD, _DB, _TLS; or PINTEREST_AUDIENCE_SYNC_REDIS_URL",
		unavailableAfterMs,
	};
}

/** How long a command may wait for an unreachable or silent Redis before the sync fails. */
export const DEFAULT_UNAVAILABLE_AFTER_MS = 10_000;

/** The shared rate limiter cannot use Redis: the writes still waiting were not sent. */
export class RedisLimiterUnavailable extends Error {
	/** Short, stable text for "error reasons by count". */
	readonly reason = 'shared rate limiter (Redis) unavailable';

	constructor(
		message: string,
		/** host:port of the Redis server, never credentials. */
		readonly endpoint: string,
	) {
		super(message);
		this.name = 'RedisLimiterUnavailable';
	}
}

/** `host:port` (or the socket path) of the options, without credentials. */
export function redisEndpoint(options: RedisOptions): string {
	if (options.path) return options.path;
	return `${options.host ?? 'localhost'}:${options.port ?? 6379}`;
}
