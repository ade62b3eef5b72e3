import type { ListOperation } from '../pinterest';
import { DigestSet } from '../users';
import type { RecordSource } from '../users';

const DIGEST_BYTES = 32;
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1');
const COMMA = 0x2c;
const CLOSING = Buffer.from('"}', 'latin1');

/** Records [start, start + count) of one execution's source. */
export interface RecordSlice {
	records: RecordSource;
	start: number;
	count: number;
}

// One set and one scratch digest for every body of the process: a body is built in one go, never two at once.
const unique = new DigestSet(2048);
const digest = new Uint8Array(DIGEST_BYTES);

/**
 * The JSON body of a customer-list write, `{"operation_type":"ADD","records":"<hex>,<hex>,…"}`, written
 * as bytes straight from the records' digests, identical records (from different executions) once, in
 * order. Neither a string per record nor one for the body: a request's ~125 KB stay outside the
 * JavaScript heap, where a large execution's hundreds of bodies would otherwise pile up between the
 * collector's full passes.
 */
export function listRequestBody(operation: ListOperation, slices: readonly RecordSlice[]): Buffer {
	unique.clear();
	for (const { records, start, count } of slices) {
		for (let i = start; i < start + count; i++) {
			records.copyDigest(i, digest, 0);
			unique.addBytes(digest, 0);
		}
	}
	const head = `{"operation_type":"${operation}","records":"`;
	const n = unique.count;
	const body = Buffer.allocUnsafe(head.length + Math.max(0, n * (2 * DIGEST_BYTES + 1) - 1) + 2);
	let at = body.write(head, 0, 'latin1');
	const bytes = unique.entryBytes;
	for (let entry = 0; entry < n; entry++) {
		if (entry > 0) body[at++] = COMMA;
		const end = (entry + 1) * DIGEST_BYTES;
		for (let b = entry * DIGEST_BYTES; b < end; b++) {
			body[at++] = HEX_DIGITS[bytes[b] >> 4];
			body[at++] = HEX_DIGITS[bytes[b] & 15];
		}
	}
	CLOSING.copy(body, at);
	return body;
}
