import { createHash } from 'node:crypto';
import fc from 'fast-check';

import {
	DigestSet,
	isLowerHexDigest,
} from '../../../../../nodes/PinterestAudienceSync/engine/users';

const digest = (n: number): string => createHash('sha256').update(`user-${n}`).digest('hex');

describe('DigestSet', () => {
	it('behaves like a Set of strings under any sequence of adds and deletes, across growth', () => {
		const operation = fc.tuple(
			fc.constantFrom('add', 'delete', 'has'),
			fc.integer({ min: 0, max: 300 }),
		);
		fc.assert(
			fc.property(
				fc.array(operation, { maxLength: 600 }),
				fc.integer({ min: 1, max: 64 }),
				(operations, expected) => {
					const set = new DigestSet(expected);
					const model = new Set<string>();
					const numbers = new Map<string, number>();
					for (const [kind, n] of operations) {
						const d = digest(n);
						if (kind === 'add') {
							const entry = set.add(d);
							// An entry keeps its number for good, also after a delete and a new add.
							if (numbers.has(d)) expect(entry).toBe(numbers.get(d));
							else expect(entry).toBe(numbers.size);
							numbers.set(d, entry);
							model.add(d);
						} else if (kind === 'delete') {
							expect(set.delete(d)).toBe(model.delete(d));
						} else {
							expect(set.has(d)).toBe(model.has(d));
						}
					}
					expect(set.size).toBe(model.size);
					expect(set.count).toBe(numbers.size);
					expect([...set.values()]).toEqual([...numbers.keys()].filter((d) => model.has(d)));
					for (const [d, entry] of numbers) expect(set.digestAt(entry)).toBe(d);
				},
			),
			{ numRuns: 300 },
		);
	});

	it('tells digests that differ only in their last byte apart', () => {
		const set = new DigestSet();
		const a = 'ab'.repeat(31) + '00';
		const b = 'ab'.repeat(31) + '01';
		expect(set.add(a)).toBe(0);
		expect(set.add(b)).toBe(1);
		expect(set.add(a)).toBe(0);
		expect(set.has(b)).toBe(true);
		expect(set.size).toBe(2);
	});

	it('holds 200,000 digests with their order', () => {
		const set = new DigestSet(16);
		// One expect per digest would spend most of the run in jest's matchers: collect mismatches instead.
		const misplaced: number[] = [];
		for (let n = 0; n < 200_000; n++) if (set.add(digest(n)) !== n) misplaced.push(n);
		for (let n = 0; n < 200_000; n += 997) if (set.add(digest(n)) !== n) misplaced.push(n);
		expect(misplaced).toEqual([]);
		expect(set.size).toBe(200_000);
		expect(set.digestAt(123_456)).toBe(digest(123_456));
	});

	it('recognises the records it can hold', () => {
		expect(isLowerHexDigest(digest(1))).toBe(true);
		expect(isLowerHexDigest(digest(1).toUpperCase())).toBe(false);
		expect(isLowerHexDigest(digest(1).slice(1))).toBe(false);
		expect(isLowerHexDigest('not-a-digest')).toBe(false);
	});
});

describe('DigestSet once its users are in', () => {
	it('adds bytes as it adds hex, and is empty again after clear', () => {
		const set = new DigestSet(4);
		const bytes = Buffer.from(digest(7), 'hex');
		const padded = Buffer.concat([Buffer.alloc(5), bytes]);
		expect(set.addBytes(padded, 5)).toBe(set.add(digest(7)));
		expect(set.count).toBe(1);
		set.clear();
		expect(set.count).toBe(0);
		expect(set.has(digest(7))).toBe(false);
		expect(set.addBytes(bytes, 0)).toBe(0);
	});

	it('reads entries by number without its index, and refuses lookups', () => {
		const set = new DigestSet(8);
		for (let n = 0; n < 20; n++) set.add(digest(n));
		set.dropIndex();
		expect(set.digestAt(13)).toBe(digest(13));
		expect(() => set.add(digest(99))).toThrow(/index was dropped/);
		expect(() => set.has(digest(1))).toThrow(/index was dropped/);
	});

	it('keeps the entries after a retirement as they were, and refuses to read retired ones', () => {
		const set = new DigestSet(8);
		for (let n = 0; n < 20; n++) set.add(digest(n));
		expect(() => set.retireBefore(5)).toThrow(/dropIndex first/);
		set.dropIndex();
		set.retireBefore(12);
		set.retireBefore(3);
		for (let n = 12; n < 20; n++) expect(set.digestAt(n)).toBe(digest(n));
		const copy = new Uint8Array(34);
		set.copyDigest(19, copy, 2);
		expect(Buffer.from(copy.subarray(2)).toString('hex')).toBe(digest(19));
		expect(() => set.digestAt(11)).toThrow(RangeError);
		expect(() => set.entryBytes).toThrow(/retired/);
	});
});
