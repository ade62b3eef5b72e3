import { open, readFile, rm, stat, utimes } from 'fs/promises';
import { join } from 'path';

import type { AcquireOptions, LockLease } from './locks';
import { Locks, lockWaitEnded, newLockToken } from './locks';
import { sleep } from './timers';

export interface FileLockSettings {
	/** A lock file not renewed (touched) for this long belongs to a process that died. */
	leaseMs: number;
	/** How often a waiting process looks again. */
	pollMs: number;
	/** Fails a file operation that failed (other than finding the lock taken). */
	onFailed: (error: unknown) => Error;
}

const code = (error: unknown): string | undefined =>
	(error as NodeJS.ErrnoException | undefined)?.code;

/**
 * A lock per key across the processes that share a folder: the file `<key>.lock`, created exclusively
 * and holding the holder's token. Its holder touches it every quarter lease; one not touched within the
 * lease was left by a crash and is taken over.
 */
export class FileLocks extends Locks {
	constructor(
		private readonly folder: string,
		private readonly settings: FileLockSettings,
	) {
		super();
	}

	async acquire(key: string, options: AcquireOptions = {}): Promise<LockLease> {
		const file = join(this.folder, `${key}.lock`);
		const token = newLockToken();
		await this.take(file, token, key, options);
		const renewal = setInterval(() => {
			const now = new Date();
			utimes(file, now, now).catch(() => undefined);
		}, this.settings.leaseMs / 4);
		renewal.unref();
		const stillHeld = async (): Promise<boolean> =>
			(await readFile(file, 'utf8').catch(() => '')) === token;
		return {
			stillHeld,
			release: async () => {
				clearInterval(renewal);
				if (await stillHeld()) await rm(file, { force: true });
			},
		};
	}

	/** Creates the lock file, waiting at most `waitMs`; one whose holder stopped renewing it is taken over. */
	private async take(
		file: string,
		token: string,
		key: string,
		options: AcquireOptions,
	): Promise<void> {
		const deadline = options.waitMs === undefined ? Infinity : Date.now() + options.waitMs;
		for (;;) {
			try {
				const handle = await open(file, 'wx');
				await handle.writeFile(token);
				await handle.close();
				return;
			} catch (error) {
				if (code(error) !== 'EEXIST') throw this.settings.onFailed(error);
			}
			const held = await stat(file).catch(() => undefined);
			if (held && Date.now() - held.mtimeMs > this.settings.leaseMs) {
				await rm(file, { force: true });
				continue;
			}
			if (Date.now() >= deadline) throw lockWaitEnded(options, key);
			await sleep(this.settings.pollMs);
		}
	}
}
