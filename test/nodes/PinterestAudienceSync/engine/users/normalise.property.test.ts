/**
 * Properties of normaliseIdentifier (identifiers are normalised and hashed before they leave the
 * process): whatever it is given, it returns either a 64 lower-case hex record or a reason drawn from a
 * fixed set (so a reason can never carry the value), and equivalent spellings of one identifier give
 * one record.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';

import type { MatchField } from '../../../../../nodes/PinterestAudienceSync/engine/users';
import {
	MATCH_FIELD_LABELS,
	normaliseIdentifier,
} from '../../../../../nodes/PinterestAudienceSync/engine/users';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const RECORD = /^[0-9a-f]{64}$/;
const FIELDS: MatchField[] = ['email', 'maid', 'idfa'];

/** Every reason the normaliser may give, per field: fixed texts, none built from the value. */
function knownReasons(field: MatchField): Set<string> {
	const label = MATCH_FIELD_LABELS[field];
	const common = [
		'is missing',
		'is empty (null)',
		'is a list, not a single value',
		'is a number, not text',
		'is true/false, not text',
		'is an object, not text',
		'is of type symbol',
		'is of type function',
		'is blank',
		'is too long to be valid',
	];
	const specific =
		field === 'email'
			? [
					'looks like an MD5 or SHA-1 hash; send the address or its SHA-256 hash',
					'is not a valid address',
				]
			: [
					'is not a valid ID (expected 8-4-4-4-12 hex or its SHA-256 hash)',
					'is all zeros (the user limited ad tracking)',
				];
	return new Set([...common, ...specific].map((text) => `${label} ${text}`));
}

const hexOf = (length: number) =>
	fc.string({
		unit: fc.constantFrom(...'0123456789abcdefABCDEF'),
		minLength: length,
		maxLength: length,
	});
const padding = fc.string({ unit: fc.constantFrom(' ', '\t', '\n', '\r'), maxLength: 3 });
const padded = (text: fc.Arbitrary<string>) =>
	fc.tuple(padding, text, padding).map(([a, t, b]) => `${a}${t}${b}`);

/** Strings of every kind the node meets: identifier-like, hash-like, unicode, control characters, long. */
const anyString = fc.oneof(
	fc.string({ unit: 'binary', maxLength: 80 }),
	fc.string({ unit: 'grapheme', maxLength: 40 }),
	fc.emailAddress(),
	padded(fc.mixedCase(fc.emailAddress())),
	fc.uuid(),
	padded(fc.mixedCase(fc.uuid())),
	fc.constantFrom(8, 32, 40, 63, 64, 65).chain(hexOf),
	fc
		.tuple(
			fc.string({ maxLength: 10 }),
			fc.constantFrom('@', '.', ',', '-', '@@'),
			fc.string({ maxLength: 10 }),
		)
		.map((parts) => parts.join('')),
	fc.string({ minLength: 1000, maxLength: 1100 }),
);
const anyValue = fc.oneof(
	anyString,
	fc.anything(),
	fc.constantFrom(undefined, null, '', NaN, 0, true, Symbol('s'), () => 'x', 10n),
);

describe('normaliseIdentifier (property-based)', () => {
	it('maps any value to a 64 lower-case hex record or to one of a fixed set of reasons', () => {
		const reasons = new Map(FIELDS.map((field) => [field, knownReasons(field)]));
		fc.assert(
			fc.property(fc.constantFrom(...FIELDS), anyValue, (field, value) => {
				const result = normaliseIdentifier(field, value);
				if (result.ok) expect(result.record).toMatch(RECORD);
				else expect(reasons.get(field)?.has(result.reason)).toBe(true);
			}),
			{ numRuns: 3000 },
		);
	});

	it('never puts the value into a reason, and only a SHA-256 hash leaves as typed', () => {
		fc.assert(
			fc.property(fc.constantFrom(...FIELDS), anyString, (field, value) => {
				const result = normaliseIdentifier(field, value);
				const trimmed = value.trim();
				if (!result.ok) {
					// A value that happens to be part of the fixed text (say "Email") is no leak.
					const coincidence = [...knownReasons(field)].some((reason) =>
						reason.toLowerCase().includes(trimmed.toLowerCase()),
					);
					if (trimmed.length >= 3 && !coincidence) {
						expect(result.reason).not.toContain(trimmed);
						expect(result.reason.toLowerCase()).not.toContain(trimmed.toLowerCase());
					}
					return;
				}
				if (/^[0-9a-f]{64}$/i.test(trimmed)) expect(result.record).toBe(trimmed.toLowerCase());
				else if (trimmed.length >= 3) expect(result.record).not.toContain(trimmed.toLowerCase());
			}),
			{ numRuns: 3000 },
		);
	});

	it('hashes a valid email trimmed and lower-cased, whatever its case and padding', () => {
		fc.assert(
			fc.property(
				fc.emailAddress(),
				padding,
				padding,
				fc.boolean(),
				(email, before, after, upper) => {
					fc.pre(email.length <= 254);
					const typed = `${before}${upper ? email.toUpperCase() : email}${after}`;
					expect(normaliseIdentifier('email', typed)).toEqual({
						ok: true,
						record: sha(email.toLowerCase()),
					});
				},
			),
			{ numRuns: 1000 },
		);
	});

	it('hashes a MAID or IDFA lower-cased and dashed, however it was typed', () => {
		fc.assert(
			fc.property(
				fc.constantFrom<MatchField>('maid', 'idfa'),
				fc.uuid(),
				fc.boolean(),
				fc.boolean(),
				padding,
				(field, uuid, upper, undashed, pad) => {
					const canonical = uuid.toLowerCase();
					fc.pre(canonical !== '00000000-0000-0000-0000-000000000000');
					let typed = upper ? canonical.toUpperCase() : canonical;
					if (undashed) typed = typed.replace(/-/g, '');
					expect(normaliseIdentifier(field, `${pad}${typed}${pad}`)).toEqual({
						ok: true,
						record: sha(canonical),
					});
				},
			),
			{ numRuns: 1000 },
		);
	});

	it('is idempotent: a record normalises to itself, in any case', () => {
		fc.assert(
			fc.property(fc.constantFrom(...FIELDS), anyString, (field, value) => {
				const result = normaliseIdentifier(field, value);
				if (!result.ok) return;
				expect(normaliseIdentifier(field, result.record)).toEqual(result);
				expect(normaliseIdentifier(field, result.record.toUpperCase())).toEqual(result);
			}),
			{ numRuns: 2000 },
		);
	});
});
