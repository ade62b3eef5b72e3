import type { BatchOutcome } from '../pinterest';

/** What became of a record: not settled yet, acknowledged by Pinterest, or failed. */
export const PENDING = 0;
export const OUTCOME_OK = 1;
export const OUTCOME_FAILED = 2;

/**
 * What became of each unique record of a run. A failed record points at its failure in `failures`, which
 * holds each distinct failure once, in the order they happened.
 */
export class RecordOutcomes {
	/** PENDING, OUTCOME_OK or OUTCOME_FAILED, per record. */
	readonly outcome: Uint8Array;
	/** Per record, the index of its failure in `failures`; made on the first failure (most runs have none). */
	private failureOf: Int32Array | undefined;
	private readonly maxRecords: number;
	/** Mirror only: records that had to be added (1), as opposed to those already members (0). */
	readonly added: Uint8Array | undefined;
	readonly failures: unknown[] = [];
	/** Records settled so far, either way. */
	settled = 0;

	/** How many unique records there are is known only at the end: room for the most there can be. */
	constructor(maxRecords: number, mirror: boolean) {
		this.outcome = new Uint8Array(maxRecords);
		this.maxRecords = maxRecords;
		this.added = mirror ? new Uint8Array(maxRecords) : undefined;
	}

	/** Records [start, start + count) settled with `outcome`. */
	settle(start: number, count: number, outcome: BatchOutcome): void {
		this.settled += count;
		if (outcome.ok) {
			this.outcome.fill(OUTCOME_OK, start, start + count);
			return;
		}
		const failure = this.noteFailure(outcome.error);
		this.outcome.fill(OUTCOME_FAILED, start, start + count);
		(this.failureOf ??= new Int32Array(this.maxRecords)).fill(failure, start, start + count);
	}

	/** The index in `failures` of what failed record `record`. */
	failureAt(record: number): number {
		return this.failureOf ? this.failureOf[record] : -1;
	}

	/** Keeps a failure once; its index in `failures`. */
	noteFailure(error: unknown): number {
		const known = this.failures.indexOf(error);
		return known === -1 ? this.failures.push(error) - 1 : known;
	}

	/** Records Pinterest acknowledged that had to be sent (for Mirror, not those already members). */
	acknowledgedSends(): number {
		const { outcome, added } = this;
		let sent = 0;
		for (let record = 0; record < outcome.length; record++) {
			if (outcome[record] === OUTCOME_OK && (!added || added[record] === 1)) sent++;
		}
		return sent;
	}
}
