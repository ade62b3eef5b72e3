import type { BatchOutcome, ListOperation } from '../pinterest';
import type { MatchField, RecordSource } from '../users';
import type { SortedDigests } from './sortedDigests';
import {
	DIFFERENCE,
	DIGEST_BYTES,
	EMPTY_DIGESTS,
	UNION,
	combine,
	compareDigests,
	digestCount,
	digestSource,
	gather,
	selectByOutcome,
	sortInPlace,
	sortOrder,
} from './sortedDigests';
import type { MirrorState, MirrorStateParts } from './state';
import { decodeMirrorState, encodeMirrorState } from './state';

/**
 * Mirror: the execution's users are the audience's complete membership. What earlier runs synced is
 * remembered per customer list and match-field set (see memory.ts), as SHA-256 digests only:
 * sorted 32-byte binary digests, so a million members take 32 MB and every set operation is one merge.
 *
 * The memory holds two sorted sets:
 * - `members`: records Pinterest acknowledged as added (and not removed since);
 * - `uncertain`: records that may be in the list although Pinterest never acknowledged them: an ADD that
 *   failed, or one that was under way when the process died. They are written *before* the ADD is sent,
 *   so that a crash can never leave a user in the audience that no later run knows about.
 * A run adds `input − members` (everything with Resend All Users), removes `(members ∪ uncertain) − input`,
 * and afterwards keeps `members − acknowledged removals ∪ acknowledged adds` and, as uncertain, what was
 * tried and neither acknowledged as added nor as removed. A failed or interrupted run therefore leaves a
 * memory from which the next run ends exactly right: a failed ADD is tried again while its user is in the
 * input, a failed REMOVE is tried again while its user is absent.
 */

/** Where the memory of mirrored lists is kept; one lease at a time per list. */
export interface MirrorStore {
	/** Names the store in messages, e.g. the folder or the Redis address. */
	readonly description: string;
	/** Waits (at most `waitMs`) until no other mirror of this list runs, then holds the list. */
	acquire(key: string, waitMs: number): Promise<MirrorLease>;
}

export interface MirrorLease {
	/** The stored state, or undefined when nothing is stored. */
	read(): Promise<Uint8Array | undefined>;
	/** Replaces the stored state (the concatenation of `parts`) at once, or not at all. */
	write(parts: Uint8Array[]): Promise<void>;
	release(): Promise<void>;
}

/** The memory's name for one customer list and match-field set (safe as a file name and Redis key). */
export function mirrorKey(
	adAccountId: string,
	customerListId: string,
	fields: readonly MatchField[],
): string {
	return `${adAccountId}-${customerListId}-${[...fields].sort().join('+')}`;
}

export interface MirrorOptions {
	store: MirrorStore;
	/** Send every input user as ADD again, also those remembered (heals an audience edited elsewhere). */
	resendAll: boolean;
	/** How long to wait for another mirror of the same list to finish. */
	lockWaitMs: number;
}

export interface MirrorJob extends MirrorOptions {
	key: string;
	/**
	 * The execution's unique records, 32 bytes each, by position: read once, by the plan, which may sort
	 * them in place (they are not read by position afterwards; `onPlanned` lets them go).
	 */
	readRecords(): Uint8Array;
	recordCount: number;
	/** The plan is made: the records are not read again. */
	onPlanned?(): void;
	/** Records [0, alreadyAdded) were acknowledged on the audience's creation. */
	alreadyAdded: number;
	/** Sends records with one operation through the dispatcher; outcomes per slice of `records`. */
	send(
		operation: ListOperation,
		records: RecordSource,
		onOutcome: (start: number, count: number, outcome: BatchOutcome) => void,
	): Promise<void>;
	/** Records of the input that were neither sent nor need to be: already members. */
	onUnchanged(position: number): void;
	/** Outcome of a record of the input that was sent as ADD. */
	onAdded(position: number, outcome: BatchOutcome): void;
}

export interface MirrorReport {
	/** Nothing was remembered for this list: nothing was removed. */
	firstRun: boolean;
	/** Records acknowledged as removed. */
	removed: number;
	/** Records that should have been removed but were not, and the first failure. */
	notRemoved: number;
	removeFailure?: unknown;
	/** No user of the input had a usable identifier: everyone was kept rather than the audience emptied. */
	keptForEmptyInput?: boolean;
}

const OK = 1;
const FAILED = 2;

/** What a run sends: positions of the input's records to add, their digests sorted, the digests to remove. */
interface MirrorPlan {
	addRecords: Uint32Array;
	attempted: SortedDigests;
	removals: SortedDigests;
}

/** One mirror run of one list, holding the list's lease from reading its memory to writing it back. */
export async function mirrorList(job: MirrorJob): Promise<MirrorReport> {
	const lease = await job.store.acquire(job.key, job.lockWaitMs);
	try {
		const stored = await lease.read();
		const remembered = stored === undefined ? undefined : decodeMirrorState(stored);
		const memory = remembered ?? { members: EMPTY_DIGESTS, uncertain: EMPTY_DIGESTS };
		// n8n runs no node without items, so an input without one usable identifier is a wrong field or
		// expression, never a wish to empty the audience: nobody is removed and the memory stays as it is.
		if (job.recordCount === 0 && digestCount(memory.members) + digestCount(memory.uncertain) > 0)
			return {
				firstRun: false,
				removed: 0,
				notRemoved: digestCount(memory.members),
				keptForEmptyInput: true,
			};
		const changes = plan(job, memory.members, memory.uncertain);
		// The plan copied what it needs of the input's records: they may go.
		job.onPlanned?.();
		const addOutcome = await sendAdds(job, lease, memory, changes);
		const removal = await sendRemovals(job, changes.removals);
		const acknowledgedRemovals = selectByOutcome(changes.removals, removal.outcome, OK);
		const acknowledgedAdds = selectByOutcome(changes.attempted, addOutcome, OK);
		await lease.write(
			encodeMirrorState(
				nextMemory(memory, changes.attempted, acknowledgedAdds, acknowledgedRemovals),
			),
		);
		const removed = digestCount(acknowledgedRemovals);
		return {
			firstRun: remembered === undefined,
			removed,
			notRemoved: removal.outcome.length - removed,
			removeFailure: removal.failure,
		};
	} finally {
		await lease.release();
	}
}

/**
 * Sends the planned adds, except those the audience's creation already carried; OK or FAILED per planned
 * add.
 */
async function sendAdds(
	job: MirrorJob,
	lease: MirrorLease,
	{ members, uncertain }: MirrorState,
	{ addRecords, attempted }: MirrorPlan,
): Promise<Uint8Array> {
	const addOutcome = new Uint8Array(addRecords.length);
	let toSend = 0;
	for (let k = 0; k < addRecords.length; k++) {
		if (addRecords[k] < job.alreadyAdded) {
			addOutcome[k] = OK;
			job.onAdded(addRecords[k], { ok: true });
		} else toSend++;
	}
	if (toSend === 0) return addOutcome;
	// Positions in `attempted` of what is sent: all of them unless the creation carried some.
	let sendPositions: Uint32Array | undefined;
	if (toSend < addRecords.length) {
		sendPositions = new Uint32Array(toSend);
		for (let k = 0, n = 0; k < addRecords.length; k++)
			if (addRecords[k] >= job.alreadyAdded) sendPositions[n++] = k;
	}
	const planned = (i: number): number => (sendPositions ? sendPositions[i] : i);
	// Whatever is about to be sent may end up in the list: remembered as uncertain before it leaves.
	await lease.write(
		encodeMirrorState({
			members,
			uncertain: combine(uncertain, combine(attempted, members, DIFFERENCE), UNION),
		}),
	);
	await job.send('ADD', digestSource(attempted, sendPositions, toSend), (start, count, outcome) => {
		for (let i = start; i < start + count; i++) {
			const k = planned(i);
			addOutcome[k] = outcome.ok ? OK : FAILED;
			job.onAdded(addRecords[k], outcome);
		}
	});
	return addOutcome;
}

/** Sends the removals; OK or FAILED per removal, and the first failure. */
async function sendRemovals(
	job: MirrorJob,
	removals: SortedDigests,
): Promise<{ outcome: Uint8Array; failure?: unknown }> {
	const outcome = new Uint8Array(digestCount(removals));
	let failure: unknown;
	if (outcome.length > 0) {
		await job.send('REMOVE', digestSource(removals), (start, count, sent) => {
			outcome.fill(sent.ok ? OK : FAILED, start, start + count);
			if (!sent.ok) failure ??= sent.error;
		});
	}
	return { outcome, failure };
}

/**
 * The memory after a run: members are what was acknowledged; what was tried and acknowledged neither as
 * added nor as removed stays uncertain.
 */
function nextMemory(
	{ members, uncertain }: MirrorState,
	attempted: SortedDigests,
	acknowledgedAdds: SortedDigests,
	acknowledgedRemovals: SortedDigests,
): MirrorStateParts {
	// Views of the members read and of the changes: the next members are written without a copy.
	const nextMembers = changedParts(members, acknowledgedRemovals, acknowledgedAdds);
	// (uncertain ∪ attempted) − next members − acknowledged removals, without building the next members:
	// − ((members − removals) ∪ adds) − removals is − adds − members − removals.
	let nextUncertain = combine(uncertain, attempted, UNION);
	for (const known of [acknowledgedAdds, members, acknowledgedRemovals])
		nextUncertain = combine(nextUncertain, known, DIFFERENCE);
	return { members: nextMembers, uncertain: nextUncertain };
}

/**
 * What to send: the input's records to add (positions in the execution's records, and their digests
 * sorted) and the remembered digests to remove. One walk of the input in sorted order beside the memory;
 * the input itself is never copied.
 */
function plan(job: MirrorJob, members: SortedDigests, uncertain: SortedDigests): MirrorPlan {
	const records = job.readRecords();
	const order = sortOrder(records, job.recordCount);
	const nm = digestCount(members);
	const nu = digestCount(uncertain);
	const toAdd = new Uint32Array(job.recordCount);
	let adds = 0;
	// Remembered digests absent from the input (as few as the churn).
	const goneMembers: number[] = [];
	const goneUncertain: number[] = [];
	let m = 0;
	let u = 0;
	for (let i = 0; i < job.recordCount; i++) {
		const record = order[i];
		while (m < nm && compareDigests(members, m, records, record) < 0) goneMembers.push(m++);
		while (u < nu && compareDigests(uncertain, u, records, record) < 0) goneUncertain.push(u++);
		const member = m < nm && compareDigests(members, m, records, record) === 0;
		if (member) m++;
		if (u < nu && compareDigests(uncertain, u, records, record) === 0) u++;
		// Added: not a member, or every one when resending.
		if (job.resendAll || !member) toAdd[adds++] = record;
		else job.onUnchanged(record);
	}
	while (m < nm) goneMembers.push(m++);
	while (u < nu) goneUncertain.push(u++);
	const addRecords = toAdd.subarray(0, adds);
	return {
		addRecords,
		// Everyone added (a first run, Resend All Users): the records themselves, sorted in place.
		attempted: adds === job.recordCount ? sortInPlace(records, order) : gather(records, addRecords),
		removals: combine(gather(members, goneMembers), gather(uncertain, goneUncertain), UNION),
	};
}

/** `(base − removed) ∪ added` in one block (`removed` ⊆ `base`; all three sorted). */
export function applyChanges(
	base: SortedDigests,
	removed: SortedDigests,
	added: SortedDigests,
): SortedDigests {
	const parts = changedParts(base, removed, added);
	if (parts.length === 1) return parts[0];
	const out = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
	let at = 0;
	for (const part of parts) {
		out.set(part, at);
		at += part.length;
	}
	return out;
}

/**
 * `(base − removed) ∪ added` as views into the three, in order: nothing is copied, so a million members
 * with a few changes are a few thousand views of the memory just read, written out as they are.
 */
export function changedParts(
	base: SortedDigests,
	removed: SortedDigests,
	added: SortedDigests,
): Uint8Array[] {
	const nb = digestCount(base);
	const nr = digestCount(removed);
	const na = digestCount(added);
	const parts: Uint8Array[] = [];
	const put = (from: Uint8Array, start: number, end: number): void => {
		if (end <= start) return;
		const last = parts[parts.length - 1];
		// Next to the previous view of the same set: one longer view.
		if (
			last &&
			last.buffer === from.buffer &&
			last.byteOffset + last.length === from.byteOffset + start * DIGEST_BYTES
		)
			parts[parts.length - 1] = from.subarray(
				last.byteOffset - from.byteOffset,
				end * DIGEST_BYTES,
			);
		else parts.push(from.subarray(start * DIGEST_BYTES, end * DIGEST_BYTES));
	};
	// Base digests [kept, i) are kept and not yet put.
	let kept = 0;
	let i = 0;
	let r = 0;
	let a = 0;
	while (i < nb || a < na) {
		const c = i === nb ? 1 : a === na ? -1 : compareDigests(base, i, added, a);
		if (c > 0) {
			put(base, kept, i);
			kept = i;
			put(added, a, ++a);
			continue;
		}
		while (r < nr && compareDigests(removed, r, base, i) < 0) r++;
		if (r < nr && compareDigests(removed, r, base, i) === 0) {
			put(base, kept, i);
			kept = i + 1;
		}
		i++;
		if (c === 0) a++;
	}
	put(base, kept, nb);
	return parts;
}
