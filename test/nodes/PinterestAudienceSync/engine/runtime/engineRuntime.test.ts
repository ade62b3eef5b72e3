/** The one object per process that owns what outlives an execution, and its reset. */
import { mkdtempSync, rmSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';

import { InProcessLocks } from '../../../../../nodes/PinterestAudienceSync/engine/coordination';
import { FileMirrorStore } from '../../../../../nodes/PinterestAudienceSync/engine/mirror';
import {
	closeProcessRuntimes,
	processRuntime,
} from '../../../../../nodes/PinterestAudienceSync/engine/runtime';

afterEach(async () => await closeProcessRuntimes());

it('is one object per process for one environment, sharing its parts between executions', () => {
	const runtime = processRuntime({});
	expect(processRuntime({})).toBe(runtime);
	expect(runtime.sharedAcrossProcesses).toBe(false);
	expect(runtime.locks).toBeInstanceOf(InProcessLocks);
	// Token gates and write limiters are per credential and per Pinterest user, whoever asks.
	expect(runtime.authGates.gateFor('credential')).toBe(runtime.authGates.gateFor('credential'));
	expect(runtime.writeLimiters.limiterFor('user', 7)).toBe(
		runtime.writeLimiters.limiterFor('user', 7),
	);
	expect(runtime.writeLimiters.limiterFor('other user', 7)).not.toBe(
		runtime.writeLimiters.limiterFor('user', 7),
	);
});

it('keeps Mirror memory in the n8n user folder without Redis, opened once', () => {
	const folder = mkdtempSync(join(tmpdir(), 'pas-runtime-'));
	try {
		const runtime = processRuntime({ N8N_USER_FOLDER: folder });
		expect(runtime.mirrorStore()).toBeInstanceOf(FileMirrorStore);
		expect(runtime.mirrorStore()).toBe(runtime.mirrorStore());
		expect(runtime.mirrorStore().description).toContain(folder);
	} finally {
		rmSync(folder, { recursive: true, force: true });
	}
});

it('starts afresh after the reset: nothing of the closed runtime is shared any more', async () => {
	const before = processRuntime({});
	const gate = before.authGates.gateFor('credential');
	await closeProcessRuntimes();
	const after = processRuntime({});
	expect(after).not.toBe(before);
	expect(after.authGates.gateFor('credential')).not.toBe(gate);
});
