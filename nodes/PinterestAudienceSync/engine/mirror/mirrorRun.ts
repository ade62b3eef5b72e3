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
	sortOrder,
} from './sortedDigests';
import type { MirrorState } from './state';
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
	/** The execution's unique records, 32 bytes each, by position. */
	records: Uint8Array;
	recordCount: number;
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
		const addOutcome = await sendAdds(job, lease, memory, changes);
		const removal = await sendRemovals(job, changes.removals);
		const removedPositions = indicesOf(removal.outcome, OK);
		const acknowledgedRemovals = gather(changes.removals, removedPositions);
		const acknowledgedAdds = gather(changes.attempted, indicesOf(addOutcome, OK));
		await lease.write(
			encodeMirrorState(
				nextMemory(memory, changes.attempted, acknowledgedAdds, acknowledgedRemovals),
			),
		);
		return {
			firstRun: remembered === undefined,
			removed: removedPositions.length,
			notRemoved: removal.outcome.length - removedPositions.length,
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
	const sendPositions: number[] = [];
	for (let k = 0; k < addRecords.length; k++) {
		if (addRecords[k] < job.alreadyAdded) {
			addOutcome[k] = OK;
			job.onAdded(addRecords[k], { ok: true });
		} else sendPositions.push(k);
	}
	if (sendPositions.length === 0) return addOutcome;
	// Whatever is about to be sent may end up in the list: remembered as uncertain before it leaves.
	await lease.write(
		encodeMirrorState({
			members,
			uncertain: combine(uncertain, combine(attempted, members, DIFFERENCE), UNION),
		}),
	);
	await job.send('ADD', digestSource(attempted, sendPositions), (start, count, outcome) => {
		for (let i = start; i < start + count; i++) {
			const k = sendPositions[i];
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
): MirrorState {
	const nextMembers = applyChanges(members, acknowledgedRemovals, acknowledgedAdds);
	const nextUncertain = combine(
		combine(combine(uncertain, attempted, UNION), nextMembers, DIFFERENCE),
		acknowledgedRemovals,
		DIFFERENCE,
	);
	return { members: nextMembers, uncertain: nextUncertain };
}

/**
 * What to send: the input's records to add (positions in the execution's records, and their digests
 * sorted) and the remembered digests to remove. One walk of the input in sorted order beside the memory;
 * the input itself is never copied.
 */
function plan(job: MirrorJob, members: SortedDigests, uncertain: SortedDigests): MirrorPlan {
	const { records } = job;
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
	const addRecords = toAdd.slice(0, adds);
	return {
		addRecords,
		attempted: gather(records, addRecords),
		removals: combine(gather(members, goneMembers), gather(uncertain, goneUncertain), UNION),
	};
}

/** `(base − removed) ∪ added` in one merge, allocated once (`removed` ⊆ `base`; all three sorted). */
export function applyChanges(
	base: SortedDigests,
	removed: SortedDigests,
	added: SortedDigests,
): SortedDigests {
	const nb = digestCount(base);
	const nr = digestCount(removed);
	const na = digestCount(added);
	let out: Uint8Array | undefined;
	let n = 0;
	for (let pass = 0; pass < 2; pass++) {
		let i = 0;
		let r = 0;
		let a = 0;
		n = 0;
		const put = (from: Uint8Array, index: number): void => {
			out?.set(from.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES), n * DIGEST_BYTES);
			n++;
		};
		while (i < nb || a < na) {
			const c = i === nb ? 1 : a === na ? -1 : compareDigests(base, i, added, a);
			if (c > 0) {
				put(added, a++);
				continue;
			}
			while (r < nr && compareDigests(removed, r, base, i) < 0) r++;
			if (!(r < nr && compareDigests(removed, r, base, i) === 0)) put(base, i);
			i++;
			if (c === 0) a++;
		}
		out ??= new Uint8Array(n * DIGEST_BYTES);
	}
	return out as Uint8Array;
}

function indicesOf(outcomes: Uint8Array, wanted: number): Uint32Array {
	let n = 0;
	for (let i = 0; i < outcomes.length; i++) if (outcomes[i] === wanted) n++;
	const out = new Uint32Array(n);
	for (let i = 0, k = 0; i < outcomes.length; i++) if (outcomes[i] === wanted) out[k++] = i;
	return out;
}
