import { MATCH_FIELD_LABELS, normaliseIdentifier } from './normalise';
import type { MatchField } from './normalise';

export const NO_RECORD = -1;

/**
 * The users of one execution reduced to unique records. A user's records are indices into `records`;
 * identical records (the same person twice, or two fields hashing alike) are stored once.
 */
export interface PreparedUsers {
	userCount: number;
	fields: MatchField[];
	/** Unique records (64 lower-case hex) in first-seen order. */
	records: string[];
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
	const width = fields.length;
	const userRecords = new Int32Array(userCount * width).fill(NO_RECORD);
	const indexOfRecord = new Map<string, number>();
	const records: string[] = [];
	const notSynced = new Map<number, string>();

	for (let user = 0; user < userCount; user++) {
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
			let index = indexOfRecord.get(result.record);
			if (index === undefined) {
				index = records.length;
				records.push(result.record);
				indexOfRecord.set(result.record, index);
			}
			userRecords[user * width + f] = index;
			usable++;
		}
		if (usable === 0) notSynced.set(user, problems ? problems.join('; ') : 'no identifier');
	}
	return { userCount, fields, records, userRecords, notSynced };
}
