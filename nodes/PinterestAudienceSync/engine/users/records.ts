import { DigestSet } from './digestSet';
import { MATCH_FIELD_LABELS, normaliseIdentifier } from './normalise';
import type { MatchField } from './normalise';

export const NO_RECORD = -1;

/** Records (SHA-256 digests) by position, read when a request body is built. */
export interface RecordSource {
	readonly length: number;
	/** Record `index` as 64 lower-case hex. */
	recordAt(index: number): string;
	/** Copies the 32 bytes of record `index` into `target` at `offset` (no string on the way). */
	copyDigest(index: number, target: Uint8Array, offset: number): void;
}

/** Positions [start, end) of a source, without copying. */
export function recordRange(source: RecordSource, start: number, end: number): RecordSource {
	return {
		length: end - start,
		recordAt: (index) => source.recordAt(start + index),
		copyDigest: (index, target, offset) => source.copyDigest(start + index, target, offset),
	};
}

/** A plain list of records (64 lower-case hex each) as a source. */
export function recordList(records: readonly string[]): RecordSource {
	return {
		length: records.length,
		recordAt: (index) => records[index],
		copyDigest: (index, target, offset) => {
			Buffer.from(target.buffer, target.byteOffset, target.byteLength).write(
				records[index],
				offset,
				32,
				'hex',
			);
		},
	};
}

/** Unique records in first-seen order: kept as bytes (see DigestSet), numbered from 0. */
export class UniqueRecords implements RecordSource {
	private readonly set: DigestSet;

	constructor(expected: number) {
		this.set = new DigestSet(expected);
	}

	get length(): number {
		return this.set.count;
	}

	/** Adds a record; returns its position (the first one's, for a record seen before). */
	add(record: string): number {
		return this.set.add(record);
	}

	recordAt(index: number): string {
		return this.set.digestAt(index);
	}

	copyDigest(index: number, target: Uint8Array, offset: number): void {
		this.set.copyDigest(index, target, offset);
	}

	/** Every record is in: the lookup index is freed (records stay readable by position). */
	seal(): void {
		this.set.dropIndex();
	}

	/** Records below `position` will never be read again (all settled): their bytes are freed. */
	retireBefore(position: number): void {
		this.set.retireBefore(position);
	}

	/** Every record as 32 bytes, by position; a view, not a copy. */
	get bytes(): Uint8Array {
		return this.set.entryBytes;
	}

	toArray(start = 0, end = this.length): string[] {
		const out: string[] = [];
		for (let i = start; i < end; i++) out.push(this.recordAt(i));
		return out;
	}
}

/**
 * The users of one execution reduced to unique records. A user's records are indices into `records`;
 * identical records (the same person twice, or two fields hashing alike) are stored once.
 */
export interface PreparedUsers {
	userCount: number;
	fields: MatchField[];
	/** Unique records (64 lower-case hex) in first-seen order. */
	records: UniqueRecords;
	/** userCount × fields.length record indices, NO_RECORD where a field gave nothing usable. */
	userRecords: Int32Array;
	/** Users without any usable identifier, with the reason. */
	notSynced: Map<number, string>;
}

export type ReadIdentifier = (userIndex: number, field: MatchField) => unknown;

export function prepareUsers(
	userCount: number,
	fields: MatchField[],
	readIdentifier: ReadIdentifier,
): PreparedUsers {
	const preparer = new UserPreparer(userCount, fields, readIdentifier);
	preparer.advance(userCount);
	const { records, userRecords, notSynced } = preparer;
	return { userCount, fields, records, userRecords, notSynced };
}

/**
 * prepareUsers a slice of users at a time, so that a large execution can send its first requests while
 * the rest of its users are still being read and hashed. Identical records are stored once across all
 * slices.
 */
export class UserPreparer {
	readonly records: UniqueRecords;
	readonly userRecords: Int32Array;
	readonly notSynced = new Map<number, string>();
	/** Users read so far: users [0, prepared) have their records and reasons. */
	prepared = 0;
	private sealed = false;

	constructor(
		readonly userCount: number,
		readonly fields: MatchField[],
		private readonly readIdentifier: ReadIdentifier,
	) {
		this.userRecords = new Int32Array(userCount * fields.length).fill(NO_RECORD);
		this.records = new UniqueRecords(userCount * fields.length);
	}

	get done(): boolean {
		return this.prepared >= this.userCount;
	}

	/** Advances; once every user is read, the records' lookup index is freed. */
	private sealWhenDone(): void {
		if (this.done && !this.sealed) {
			this.sealed = true;
			this.records.seal();
		}
	}

	/** Reads users up to (not including) `untilUser`, or until `records` holds `minRecords`. */
	advance(untilUser: number, minRecords = Infinity): void {
		const { fields, readIdentifier, userRecords, records, notSynced } = this;
		const width = fields.length;
		const end = Math.min(untilUser, this.userCount);
		let user = this.prepared;
		for (; user < end && records.length < minRecords; user++) {
			let problems: string[] | undefined;
			let usable = 0;
			for (let f = 0; f < width; f++) {
				const field = fields[f];
				let raw: unknown;
				try {
					raw = readIdentifier(user, field);
				} catch {
					// The expression's own message may quote the item, so only the field is named.
					(problems ??= []).push(`the ${MATCH_FIELD_LABELS[field]} mapping failed for this item`);
					continue;
				}
				const result = normaliseIdentifier(field, raw);
				if (!result.ok) {
					(problems ??= []).push(result.reason);
					continue;
				}
				userRecords[user * width + f] = records.add(result.record);
				usable++;
			}
			if (usable === 0) notSynced.set(user, problems ? problems.join('; ') : 'no identifier');
		}
		this.prepared = user;
		this.sealWhenDone();
	}
}
