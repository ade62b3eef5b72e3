import { randomBytes } from 'crypto';
import { mkdir, open, readFile, rename, rm } from 'fs/promises';
import { homedir } from 'os';
import { join } from 'path';
import Redis from 'ioredis';

import {
	DEFAULT_UNAVAILABLE_AFTER_MS,
	FileLocks,
	RedisLocks,
	WRITE_IF_HELD,
	redisEndpoint,
} from '../coordination';
import type {
	Environment,
	LockLease,
	RedisChoice,
	RedisLockLease,
	SharedLocks,
} from '../coordination';
import { AudienceProblem } from '../pinterest';
import type { MirrorLease, MirrorStore } from './mirrorRun';

/**
 * Where Mirror remembers what it synced: a file per list under n8n's user folder, or — when the rate
 * limit is shared through Redis (queue mode, see redisSettings.ts) — a Redis value per list, so that every
 * worker sees the same memory. Either way one mirror run of a list at a time: a lock with a lease that
 * its holder renews while it runs, and that a crashed holder's successor can take once it lapsed.
 */

/** A lock not renewed for this long belongs to a run that died. */
export const LOCK_LEASE_MS = 60_000;
const POLL_MS = 200;
/** Buffers per write system call (Linux takes at most 1,024). */
const WRITE_BATCH_PARTS = 1024;

/** The memory cannot be used (another run holds the list too long, a file or Redis error). */
export class MirrorMemoryUnavailable extends AudienceProblem {
	constructor(message: string) {
		super(message, 'mirror memory unavailable');
		this.name = 'MirrorMemoryUnavailable';
	}
}

function busy(key: string, waitMs: number, where: string): MirrorMemoryUnavailable {
	const [adAccountId, customerListId] = key.split('-');
	return new MirrorMemoryUnavailable(
		`Another Mirror run of customer list ${customerListId} in ad account ${adAccountId} was still running after this one had waited ${Math.round(waitMs / 1000)} s, so nothing was sent. Run the workflow again once the other run has finished (memory in ${where}).`,
	);
}

function failed(what: string, where: string, error: unknown): MirrorMemoryUnavailable {
	const detail = error instanceof Error ? error.message : String(error);
	return new MirrorMemoryUnavailable(
		`Mirror could not ${what} its memory in ${where} (${detail}). Check that n8n can write there, then run the workflow again.`,
	);
}

const code = (error: unknown): string | undefined =>
	(error as NodeJS.ErrnoException | undefined)?.code;

/** n8n's user folder as n8n itself finds it: `$N8N_USER_FOLDER/.n8n`, by default `~/.n8n`. */
export function n8nDataFolder(env: Environment = process.env): string {
	return join(env.N8N_USER_FOLDER || homedir(), '.n8n');
}

/** Holds a list's memory under `locks` (one mirror run per list); `writeIfHeld` replaces it while held. */
abstract class LockedMirrorStore implements MirrorStore {
	abstract readonly description: string;
	protected abstract readonly locks: SharedLocks;

	async acquire(key: string, waitMs: number): Promise<MirrorLease> {
		const lease = await this.locks.acquire(this.lockKey(key), {
			waitMs,
			timedOut: () => busy(key, waitMs, this.description),
		});
		return {
			read: async () => await this.read(key),
			write: async (parts) => {
				if (!(await this.writeIfHeld(key, lease, parts)))
					throw busy(key, LOCK_LEASE_MS, this.description);
			},
			release: async () => await lease.release(),
		};
	}

	protected abstract lockKey(key: string): string;
	protected abstract read(key: string): Promise<Uint8Array | undefined>;
	/** Replaces the memory whole, only while `lease` holds the list; false when it no longer does. */
	protected abstract writeIfHeld(
		key: string,
		lease: LockLease,
		parts: Uint8Array[],
	): Promise<boolean>;
}

/** One file per list (`<key>.bin`), replaced by writing a temporary file and renaming it over the old one. */
export class FileMirrorStore extends LockedMirrorStore {
	readonly description: string;
	protected readonly locks: FileLocks;

	constructor(readonly folder: string) {
		super();
		this.description = `the folder ${folder}`;
		this.locks = new FileLocks(folder, {
			leaseMs: LOCK_LEASE_MS,
			pollMs: POLL_MS,
			onFailed: (error) => failed('lock', this.description, error),
		});
	}

	async acquire(key: string, waitMs: number): Promise<MirrorLease> {
		try {
			await mkdir(this.folder, { recursive: true });
		} catch (error) {
			throw failed('create the folder for', this.description, error);
		}
		return await super.acquire(key, waitMs);
	}

	protected lockKey(key: string): string {
		return `${key}.bin`;
	}

	protected async read(key: string): Promise<Uint8Array | undefined> {
		try {
			return await readFile(this.fileOf(key));
		} catch (error) {
			if (code(error) === 'ENOENT') return undefined;
			throw failed('read', this.description, error);
		}
	}

	/** Writes a temporary file and renames it over the old one: the memory is replaced whole or not at all. */
	protected async writeIfHeld(
		key: string,
		lease: LockLease,
		parts: Uint8Array[],
	): Promise<boolean> {
		if (!(await lease.stillHeld())) return false;
		const file = this.fileOf(key);
		const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
		try {
			const handle = await open(temporary, 'w');
			try {
				// Many parts (views of the memory read and of the changes): a batch per system call.
				for (let at = 0; at < parts.length; at += WRITE_BATCH_PARTS)
					await handle.writev(parts.slice(at, at + WRITE_BATCH_PARTS));
				await handle.sync();
			} finally {
				await handle.close();
			}
			await rename(temporary, file);
			return true;
		} catch (error) {
			await rm(temporary, { force: true });
			throw failed('write', this.description, error);
		}
	}

	private fileOf(key: string): string {
		return join(this.folder, `${key}.bin`);
	}
}

/**
 * One binary string value per list (`pinterest-audience-sync:mirror:<key>`) under a Redis lock
 * (`pinterest-audience-sync:lock:mirror:<key>`). A write is applied only while the writer still holds
 * the lock (checked in the same script), so a run that lost its lease can never overwrite its successor.
 */
export class RedisMirrorStore extends LockedMirrorStore {
	readonly description: string;
	protected readonly locks: RedisLocks;

	constructor(
		private readonly client: Redis,
		endpoint: string,
		private readonly prefix = 'pinterest-audience-sync:mirror:',
	) {
		super();
		this.description = `Redis at ${endpoint}`;
		this.locks = new RedisLocks(() => client, {
			leaseMs: LOCK_LEASE_MS,
			retryMs: POLL_MS,
			onCommandFailed: (error) => failed('lock', this.description, error),
		});
	}

	protected lockKey(key: string): string {
		return `mirror:${key}`;
	}

	protected async read(key: string): Promise<Uint8Array | undefined> {
		try {
			return (await this.client.getBuffer(this.prefix + key)) ?? undefined;
		} catch (error) {
			throw failed('read', this.description, error);
		}
	}

	protected async writeIfHeld(
		key: string,
		lease: LockLease,
		parts: Uint8Array[],
	): Promise<boolean> {
		const { redisKey, token } = lease as RedisLockLease;
		try {
			const data = Buffer.concat(parts);
			return (
				(await this.client.eval(WRITE_IF_HELD, 2, redisKey, this.prefix + key, token, data)) === 1
			);
		} catch (error) {
			throw failed('write', this.description, error);
		}
	}
}

/** A store and how to end it: a Redis store owns its connection. */
export interface OpenMirrorStore {
	store: MirrorStore;
	close(): Promise<void>;
}

/** Redis when the rate limit is shared through Redis (see redisSettings.ts), else n8n's user folder. */
export function openMirrorStore(redis: RedisChoice | undefined, env: Environment): OpenMirrorStore {
	if (!redis) {
		const folder = join(n8nDataFolder(env), 'pinterest-audience-sync', 'mirror');
		return { store: new FileMirrorStore(folder), close: async () => undefined };
	}
	const client = new Redis({
		...redis.redis,
		commandTimeout: redis.unavailableAfterMs ?? DEFAULT_UNAVAILABLE_AFTER_MS,
		maxRetriesPerRequest: 2,
	});
	// Errors surface on the commands; without a listener ioredis would also print each one.
	client.on('error', () => undefined);
	return {
		store: new RedisMirrorStore(client, redisEndpoint(redis.redis)),
		close: async () => {
			await client.quit().catch(() => client.disconnect());
		},
	};
}
