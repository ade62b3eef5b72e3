/**
 * Properties of prepareUsers (identical records travel once): records are unique, every usable
 * identifier of every user points at the record its own normalisation gives, and a user is Not Synced
 * exactly when none of its fields is usable.
 */
import fc from 'fast-check';

import type { MatchField } from '../../../../../nodes/PinterestAudienceSync/engine/users';
import {
	NO_RECORD,
	normaliseIdentifier,
	prepareUsers,
} from '../../../../../nodes/PinterestAudienceSync/engine/users';

/** A small pool, so that users share identifiers (the same person twice, other case, other padding). */
const POOL: unknown[] = [
	'ann@example.com',
	' ANN@example.com',
	'bob@example.com',
	'Bob@Example.COM\t',
	'not-an-email',
	'',
	null,
	undefined,
	42,
	['ann@example.com'],
	'38400000-8cf0-11bd-b23e-10b96e40000d',
	'38400000-8CF0-11BD-B23E-10B96E40000D',
	'384000008cf011bdb23e10b96e40000d',
	'00000000-0000-0000-0000-000000000000',
	'4c0a4bb8b3e2e4a3f9a30d1c1b96e7f2a0b4c8d7e6f5a4b3c2d1e0f9a8b7c6d5',
	'4C0A4BB8B3E2E4A3F9A30D1C1B96E7F2A0B4C8D7E6F5A4B3C2D1E0F9A8B7C6D5',
];

type Value = unknown | { throws: true };
const value: fc.Arbitrary<Value> = fc.oneof(
	{ weight: 6, arbitrary: fc.constantFrom(...POOL) },
	{ weight: 2, arbitrary: fc.oneof(fc.emailAddress(), fc.uuid(), fc.string({ maxLength: 20 })) },
	{ weight: 1, arbitrary: fc.constant({ throws: true }) },
);
const fields = fc.subarray<MatchField>(['email', 'maid', 'idfa'], { minLength: 1 });
const isThrow = (v: Value): v is { throws: true } =>
	typeof v === 'object' && v !== null && (v as { throws?: boolean }).throws === true;

describe('prepareUsers (property-based)', () => {
	it('dedupes into unique records that every user with a usable identifier points at', () => {
		fc.assert(
			fc.property(
				fields,
				fc.array(fc.array(value, { minLength: 3, maxLength: 3 }), { maxLength: 120 }),
				(chosen, users) => {
					const read = (user: number, field: MatchField): unknown => {
						const v = users[user][chosen.indexOf(field)];
						if (isThrow(v)) throw new Error('mapping failed');
						return v;
					};
					const prepared = prepareUsers(users.length, chosen, read);
					const width = chosen.length;

					expect(new Set(prepared.records.toArray()).size).toBe(prepared.records.length);
					for (const record of prepared.records.toArray()) expect(record).toMatch(/^[0-9a-f]{64}$/);
					expect(prepared.userRecords).toHaveLength(users.length * width);

					const referenced = new Set<number>();
					users.forEach((_, user) => {
						let usable = 0;
						chosen.forEach((field, f) => {
							const index = prepared.userRecords[user * width + f];
							const raw = users[user][f];
							const expected = isThrow(raw) ? undefined : normaliseIdentifier(field, raw);
							if (expected?.ok) {
								usable++;
								referenced.add(index);
								expect(prepared.records.recordAt(index)).toBe(expected.record);
							} else {
								expect(index).toBe(NO_RECORD);
							}
						});
						expect(prepared.notSynced.has(user)).toBe(usable === 0);
					});
					// No record nobody asked for, and first-seen order.
					expect(referenced.size).toBe(prepared.records.length);
					const firstSeen = [...prepared.userRecords]
						.filter((i) => i !== NO_RECORD)
						.filter((i, k, all) => all.indexOf(i) === k);
					expect(firstSeen).toEqual(prepared.records.toArray().map((_, i) => i));
				},
			),
			{ numRuns: 1000 },
		);
	});

	it("gives a Not Synced user every field's reason, in field order", () => {
		fc.assert(
			fc.property(fields, fc.array(value, { minLength: 3, maxLength: 3 }), (chosen, user) => {
				const read = (_: number, field: MatchField): unknown => {
					const v = user[chosen.indexOf(field)];
					if (isThrow(v)) throw new Error('secret@example.com');
					return v;
				};
				const prepared = prepareUsers(1, chosen, read);
				const reasons = chosen.map((field, f) => {
					const raw = user[f];
					if (isThrow(raw))
						return {
							ok: false as const,
							reason: `the ${{ email: 'Email', maid: 'Mobile Advertising ID', idfa: 'Apple IDFA' }[field]} mapping failed for this item`,
						};
					return normaliseIdentifier(field, raw);
				});
				if (reasons.some((r) => r.ok)) expect(prepared.notSynced.size).toBe(0);
				else
					expect(prepared.notSynced.get(0)).toBe(
						reasons.map((r) => (r.ok ? '' : r.reason)).join('; '),
					);
			}),
			{ numRuns: 1000 },
		);
	});
});
