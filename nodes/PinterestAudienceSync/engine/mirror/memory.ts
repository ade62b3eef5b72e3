import { randomBytes } from 'crypto';
import { mkdir, open, readFile, rename, rm, stat, utimes } from 'fs/promises';
import { homedir, hostname } from 'os';
import { join } from 'path';
import Redis from 'ioredis';

import { AudienceProblem } from '../pinterest/errors';
import type { MirrorLease, MirrorStore } from './mirrorRun';
import type { Environment, RedisChoice } from '../coordination/redisSettings';
import { redisChoiceFromEnvironment } from '../coordination/redisSettings';
import { sleep } from '../requests/callPinterest';

/**
 * Where Mirror remembers what it synced: a file per list under n8n's user folder, or — when the rate
 * limit is shared through Redis (queue mode, see queueMode.ts) — a Redis value per list, so that every
 * worker sees the same memory. Either way one mirror run of a list at a time: a lock with a lease that
 * its holder renews while it runs, and that a crashed holder's successor can take once it lapsed.
 */

/** A lock not renewed for this long belongs to a run that died. */
export const LOCK_LEASE_MS = 60_000;
const RENEW_EVERY_MS = LOCK_LEASE_MS / 4;
const POLL_MS = 200;

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

/** Names the lock's holder (process and host, for whoever inspects a lock) and tells its runs apart. */
function newLockToken(): string {
	return `${process.pid}@${hostname()} ${randomBytes(8).toString('hex')}`;
}

const code = (error: unknown): string | undefined =>
	(error as NodeJS.ErrnoException | undefined)?.code;

/** n8n's user folder as n8n itself finds it: `$N8N_USER_FOLDER/.n8n`, by default `~/.n8n`. */
export function n8nDataFolder(env: Environment = process.env): string {
	return join(env.N8N_USER_FOLDER || homedir(), '.n8n');
}

/** One file per list (`<key>.bin`), replaced by writing a temporary file and renaming it over the old one. */
export class FileMirrorStore implements MirrorStore {
	readonly description: string;

	constructor(readonly folder: string) {
		this.description = `the folder ${folder}`;
	}

	async acquire(key: string, waitMs: number): Promise<MirrorLease> {
		const file = join(this.folder, `${key}.bin`);
		const lock = `${file}.lock`;
		const token = newLockToken();
		try {
			await mkdir(this.folder, { recursive: true });
		} catch (error) {
			throw failed('create the folder for', this.description, error);
		}
		await this.takeLock(lock, token, key, waitMs);
		const renew = setInterval(() => {
			const now = new Date();
			utimes(lock, now, now).catch(() => undefined);
		}, RENEW_EVERY_MS);
		renew.unref();
		const stillHeld = async (): Promise<boolean> =>
			(await readFile(lock, 'utf8').catch(() => '')) === token;
		return {
			read: async () => await this.read(file),
			write: async (parts) => {
				if (!(await stillHeld())) throw busy(key, LOCK_LEASE_MS, this.description);
				await this.replace(file, parts);
			},
			release: async () => {
				clearInterval(renew);
				if (await stillHeld()) await rm(lock, { force: true });
			},
		};
	}

	/** Creates the lock file, waiting at most `waitMs`; one whose holder stopped renewing it is taken over. */
	private async takeLock(lock: string, token: string, key: string, waitMs: number): Promise<void> {
		const deadline = Date.now() + waitMs;
		for (;;) {
			try {
				const handle = await open(lock, 'wx');
				await handle.writeFile(token);
				await handle.close();
				return;
			} catch (error) {
				if (code(error) !== 'EEXIST') throw failed('lock', this.description, error);
			}
			const held = await stat(lock).catch(() => undefined);
			// The holder renews its lock while it runs: one not renewed within the lease was left by a crash.
			if (held && Date.now() - held.mtimeMs > LOCK_LEASE_MS) {
				await rm(lock, { force: true });
				continue;
			}
			if (Date.now() >= deadline) throw busy(key, waitMs, this.description);
			await sleep(POLL_MS);
		}
	}

	private async read(file: string): Promise<Uint8Array | undefined> {
		try {
			return await readFile(file);
		} catch (error) {
			if (code(error) === 'ENOENT') return undefined;
			throw failed('read', this.description, error);
		}
	}

	/** Writes a temporary file and renames it over the old one: the memory is replaced whole or not at all. */
	private async replace(file: string, parts: Uint8Array[]): Promise<void> {
		const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
		try {
			const handle = await open(temporary, 'w');
			try {
				for (const part of parts) await handle.write(part);
				await handle.sync();
			} finally {
				await handle.close();
			}
			await rename(temporary, file);
		} catch (error) {
			await rm(temporary, { force: true });
			throw failed('write', this.description, error);
		}
	}
}

const RENEW_SCRIPT =
	"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0";
const RELEASE_SCRIPT =
	"if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
const WRITE_SCRIPT =
	"if redis.call('get', KEYS[2]) == ARGV[1] then redis.call('set', KEYS[1], ARGV[2]) return 1 end return 0";

/**
 * One binary string value per list (`pinterest-audience-sync:mirror:<key>`) and a lock key beside it
 * (`…:lock`, SET NX with a lease the holder renews). A write is applied only while the writer still holds
 * the lock (checked in the same script), so a run that lost its lease can never overwrite its successor.
 */
export class RedisMirrorStore implements MirrorStore {
	readonly description: string;

	constructor(
		private readonly client: Redis,
		endpoint: string,
		private readonly prefix = 'pinterest-audience-sync:mirror:',
	) {
		this.description = `Redis at ${endpoint}`;
	}

	async acquire(key: string, waitMs: number): Promise<MirrorLease> {
		const dataKey = this.prefix + key;
		const lockKey = `${dataKey}:lock`;
		const token = newLockToken();
		const deadline = Date.now() + waitMs;
		for (;;) {
			let taken: string | null;
			try {
				taken = await this.client.set(lockKey, token, 'PX', LOCK_LEASE_MS, 'NX');
			} catch (error) {
				throw failed('lock', this.description, error);
			}
			if (taken === 'OK') break;
			if (Date.now() >= deadline) throw busy(key, waitMs, this.description);
			await sleep(POLL_MS);
		}
		const renew = setInterval(() => {
			this.client.eval(RENEW_SCRIPT, 1, lockKey, token, LOCK_LEASE_MS).catch(() => undefined);
		}, RENEW_EVERY_MS);
		renew.unref();
		return {
			read: async () => {
				try {
					return (await this.client.getBuffer(dataKey)) ?? undefined;
				} catch (error) {
					throw failed('read', this.description, error);
				}
			},
			write: async (parts) => {
				let written: unknown;
				try {
					written = await this.client.eval(
						WRITE_SCRIPT,
						2,
						dataKey,
						lockKey,
						token,
						Buffer.concat(parts),
					);
				} catch (error) {
					throw failed('write', this.description, error);
				}
				if (written !== 1) throw busy(key, LOCK_LEASE_MS, this.description);
			},
			release: async () => {
				clearInterval(renew);
				await this.client.eval(RELEASE_SCRIPT, 1, lockKey, token).catch(() => undefined);
			},
		};
	}
}

const redisStores = new Map<string, { store: RedisMirrorStore; client: Redis }>();

function redisStoreFor(choice: RedisChoice): RedisMirrorStore {
	const key = JSON.stringify(choice.redis);
	let entry = redisStores.get(key);
	if (!entry) {
		const client = new Redis({
			...choice.redis,
			commandTimeout: choice.unavailableAfterMs ?? 10_000,
			maxRetriesPerRequest: 2,
		});
		// Errors surface on the commands; without a listener ioredis would also print each one.
		client.on('error', () => undefined);
		entry = {
			client,
			store: new RedisMirrorStore(
				client,
				`${choice.redis.host ?? 'localhost'}:${choice.redis.port ?? 6379}`,
			),
		};
		redisStores.set(key, entry);
	}
	return entry.store;
}

/** Redis when the rate limit is shared through Redis (queueMode.ts decides), else the user folder. */
export function mirrorStoreFromEnvironment(env: Environment = process.env): MirrorStore {
	const choice = redisChoiceFromEnvironment(env);
	return choice
		? redisStoreFor(choice)
		: new FileMirrorStore(join(n8nDataFolder(env), 'pinterest-audience-sync', 'mirror'));
}

/** Closes the Redis connections this module opened (tests, shutdown). */
export async function closeMirrorStores(): Promise<void> {
	const open = [...redisStores.values()];
	redisStores.clear();
	for (const { client } of open) await client.quit().catch(() => client.disconnect());
}
