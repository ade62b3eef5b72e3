import type { RecordSource } from '../users';

/** Sorted sets of 32-byte SHA-256 digests: one merge per set operation, 32 bytes a member. */

export const DIGEST_BYTES = 32;

/** Sorted, duplicate-free digests: `count × 32` bytes in ascending byte order. */
export type SortedDigests = Uint8Array;

export const EMPTY_DIGESTS: SortedDigests = new Uint8Array(0);

export const digestCount = (digests: SortedDigests): number => digests.length / DIGEST_BYTES;

/** Byte order of digest `ai` of `a` and digest `bi` of `b` (indices in digests, not bytes). */
export function compareDigests(a: Uint8Array, ai: number, b: Uint8Array, bi: number): number {
	let x = ai * DIGEST_BYTES;
	let y = bi * DIGEST_BYTES;
	const end = x + DIGEST_BYTES;
	for (; x < end; x++, y++) {
		const d = a[x] - b[y];
		if (d !== 0) return d;
	}
	return 0;
}

/** Positions whose index fits beside a 31-bit prefix in a double's 53-bit mantissa. */
const FAST_SORT_LIMIT = 2 ** 22;

/** The first 31 bits of digest `index`. */
function prefixOf(bytes: Uint8Array, index: number): number {
	const at = index * DIGEST_BYTES;
	return (
		((bytes[at] << 23) | (bytes[at + 1] << 15) | (bytes[at + 2] << 7) | (bytes[at + 3] >>> 1)) >>> 0
	);
}

/**
 * The order of `count` distinct digests (`bytes`, 32 bytes each): `order[i]` is the position of the i-th
 * smallest. A digest's first bytes are uniformly distributed, so sorting numbers made of a 31-bit prefix
 * and the position (a native numeric sort, ~0.2 s for a million) orders all but the rare equal prefixes,
 * which a pass then orders by their full bytes.
 */
export function sortOrder(bytes: Uint8Array, count: number): Uint32Array {
	const order = new Uint32Array(count);
	if (count >= FAST_SORT_LIMIT) {
		for (let i = 0; i < count; i++) order[i] = i;
		return order.sort((x, y) => compareDigests(bytes, x, bytes, y));
	}
	const keys = new Float64Array(count);
	for (let i = 0; i < count; i++) keys[i] = prefixOf(bytes, i) * FAST_SORT_LIMIT + i;
	keys.sort();
	for (let i = 0; i < count; i++) order[i] = keys[i] % FAST_SORT_LIMIT;
	// Runs of equal prefixes (a handful in a million): insertion sort by the full digest.
	for (let i = 1; i < count; i++) {
		const prefix = prefixOf(bytes, order[i]);
		if (prefix !== prefixOf(bytes, order[i - 1])) continue;
		let run = i - 1;
		while (run > 0 && prefixOf(bytes, order[run - 1]) === prefix) run--;
		for (let j = i; j > run && compareDigests(bytes, order[j - 1], bytes, order[j]) > 0; j--) {
			const t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	}
	return order;
}

/** The digests of `digests` whose `outcome` is `wanted`: the set itself when every one is. */
export function selectByOutcome(
	digests: SortedDigests,
	outcome: Uint8Array,
	wanted: number,
): SortedDigests {
	let n = 0;
	for (let i = 0; i < outcome.length; i++) if (outcome[i] === wanted) n++;
	if (n === outcome.length) return digests;
	const positions = new Uint32Array(n);
	for (let i = 0, k = 0; i < outcome.length; i++) if (outcome[i] === wanted) positions[k++] = i;
	return gather(digests, positions);
}

/**
 * Puts `bytes` into `order` in place (digest i becomes what digest `order[i]` was): the sorted set
 * without a second copy of it, for a set that is not read by position afterwards.
 */
export function sortInPlace(bytes: Uint8Array, order: Uint32Array): SortedDigests {
	const placed = new Uint8Array(order.length);
	const first = new Uint8Array(DIGEST_BYTES);
	for (let start = 0; start < order.length; start++) {
		if (placed[start] === 1) continue;
		// One cycle of the permutation: each place takes its digest from the next, the last the first's.
		first.set(bytes.subarray(start * DIGEST_BYTES, (start + 1) * DIGEST_BYTES));
		for (let i = start; ;) {
			placed[i] = 1;
			const from = order[i];
			if (from === start) {
				bytes.set(first, i * DIGEST_BYTES);
				break;
			}
			bytes.copyWithin(i * DIGEST_BYTES, from * DIGEST_BYTES, (from + 1) * DIGEST_BYTES);
			i = from;
		}
	}
	return bytes.subarray(0, order.length * DIGEST_BYTES);
}

/** The digests of `bytes` in `order`, as one sorted block. */
export function gather(
	bytes: Uint8Array,
	order: ArrayLike<number>,
	count = order.length,
): SortedDigests {
	const out = new Uint8Array(count * DIGEST_BYTES);
	for (let i = 0; i < count; i++) {
		const at = order[i] * DIGEST_BYTES;
		out.set(bytes.subarray(at, at + DIGEST_BYTES), i * DIGEST_BYTES);
	}
	return out;
}

type Keep = (inA: boolean, inB: boolean) => boolean;
export const UNION: Keep = () => true;
export const DIFFERENCE: Keep = (inA, inB) => inA && !inB;

/** One merge of two sorted sets: the digests for which `keep(inA, inB)` holds, sorted. */
export function combine(a: SortedDigests, b: SortedDigests, keep: Keep): SortedDigests {
	const na = digestCount(a);
	const nb = digestCount(b);
	// With one side empty the answer is one of the sides: no copy (sets are never changed in place).
	if (nb === 0) return keep(true, false) ? a : EMPTY_DIGESTS;
	if (na === 0) return keep(false, true) ? b : EMPTY_DIGESTS;
	// Two passes, counting then copying: the result is allocated once at its exact size.
	let out: Uint8Array | undefined;
	let n = 0;
	for (let pass = 0; pass < 2; pass++) {
		let i = 0;
		let j = 0;
		n = 0;
		while (i < na || j < nb) {
			const c = i === na ? 1 : j === nb ? -1 : compareDigests(a, i, b, j);
			const inA = c <= 0;
			const inB = c >= 0;
			if (keep(inA, inB)) {
				if (out) {
					const [from, index] = inA ? [a, i] : [b, j];
					out.set(
						from.subarray(index * DIGEST_BYTES, (index + 1) * DIGEST_BYTES),
						n * DIGEST_BYTES,
					);
				}
				n++;
			}
			if (inA) i++;
			if (inB) j++;
		}
		out ??= new Uint8Array(n * DIGEST_BYTES);
	}
	return out as Uint8Array;
}

/** Digests `positions` (indices into `digests`) as 64 lower-case hex, read when a request body is built. */
export function digestSource(
	digests: Uint8Array,
	positions?: ArrayLike<number>,
	count = positions?.length ?? digestCount(digests),
): RecordSource {
	const view = Buffer.from(digests.buffer, digests.byteOffset, digests.byteLength);
	const offsetOf = (index: number): number => (positions ? positions[index] : index) * DIGEST_BYTES;
	return {
		length: count,
		recordAt: (index) => {
			const at = offsetOf(index);
			return view.toString('hex', at, at + DIGEST_BYTES);
		},
		copyDigest: (index, target, offset) => {
			const at = offsetOf(index);
			target.set(digests.subarray(at, at + DIGEST_BYTES), offset);
		},
	};
}
