/** Mirror's file memory: one run of a list at a time, whole writes, and a crashed run's lock taken over. */
import { mkdtempSync, readdirSync, rmSync, utimesSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import {
	FileMirrorStore,
	LOCK_LEASE_MS,
	MirrorMemoryUnavailable,
	n8nDataFolder,
	openMirrorStore,
} from '../../../../../nodes/PinterestAudienceSync/engine/mirror';

let folder: string;
beforeEach(() => {
	folder = mkdtempSync(join(tmpdir(), 'pas-mirror-memory-'));
});
afterEach(() => rmSync(folder, { recursive: true, force: true }));

const KEY = '549755885175-549755886001-email';

it('lives under n8n user folder, like n8n: $N8N_USER_FOLDER/.n8n, else ~/.n8n', () => {
	expect(n8nDataFolder({ N8N_USER_FOLDER: '/srv/n8n' })).toBe(join('/srv/n8n', '.n8n'));
	const { store } = openMirrorStore(undefined, { N8N_USER_FOLDER: folder });
	expect(store).toBeInstanceOf(FileMirrorStore);
	expect(store.description).toContain(join(folder, '.n8n', 'pinterest-audience-sync', 'mirror'));
});

it('reads nothing at first, then what was written; a write leaves no temporary file behind', async () => {
	const store = new FileMirrorStore(folder);
	const lease = await store.acquire(KEY, 1000);
	expect(await lease.read()).toBeUndefined();
	await lease.write([Buffer.from('first')]);
	await lease.write([Buffer.from('second')]);
	expect(Buffer.from((await lease.read()) as Uint8Array).toString()).toBe('second');
	await lease.release();
	expect(readdirSync(folder)).toEqual([`${KEY}.bin`]);
});

it('a second run of the same list waits for the first, and fails with a clear message when it waits too long', async () => {
	const store = new FileMirrorStore(folder);
	const first = await store.acquire(KEY, 1000);
	const error = await store.acquire(KEY, 300).then(
		() => undefined,
		(e: unknown) => e,
	);
	expect(error).toBeInstanceOf(MirrorMemoryUnavailable);
	expect((error as Error).message).toMatch(
		/Another Mirror run of customer list 549755886001 in ad account 549755885175 was still running/,
	);

	const waiting = store.acquire(KEY, 30_000);
	let taken = false;
	void waiting.then(() => (taken = true));
	await new Promise((resolve) => setTimeout(resolve, 400));
	expect(taken).toBe(false);
	await first.release();
	const second = await waiting;
	await second.write([Buffer.from('after')]);
	await second.release();
	// Another list is not held up by this one.
	const other = await store.acquire('549755885175-549755886002-email', 0);
	await other.release();
});

it('takes over the lock of a run that died (not renewed within the lease)', async () => {
	const store = new FileMirrorStore(folder);
	const lock = join(folder, `${KEY}.bin.lock`);
	writeFileSync(lock, '4242@elsewhere dead');
	const old = new Date(Date.now() - LOCK_LEASE_MS - 5000);
	utimesSync(lock, old, old);
	const lease = await store.acquire(KEY, 1000);
	await lease.write([Buffer.from('mine')]);
	await lease.release();
});

it('a run whose lock was taken over cannot overwrite the memory any more', async () => {
	const store = new FileMirrorStore(folder);
	const lease = await store.acquire(KEY, 1000);
	writeFileSync(join(folder, `${KEY}.bin.lock`), '4242@elsewhere other');
	await expect(lease.write([Buffer.from('stale')])).rejects.toBeInstanceOf(MirrorMemoryUnavailable);
	expect(readdirSync(folder).filter((name) => name.endsWith('.bin'))).toHaveLength(0);
});
