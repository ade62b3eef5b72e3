import { createHash } from 'node:crypto';

import {
	normaliseIdentifier,
	sha256Hex,
} from '../../../../../nodes/PinterestAudienceSync/engine/users';
import type { MatchField } from '../../../../../nodes/PinterestAudienceSync/engine/users';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');
const record = (field: MatchField, raw: unknown) => {
	const result = normaliseIdentifier(field, raw);
	if (!result.ok) throw new Error(`expected a record, got: ${result.reason}`);
	return result.record;
};
const reason = (field: MatchField, raw: unknown) => {
	const result = normaliseIdentifier(field, raw);
	if (result.ok) throw new Error(`expected a reason, got record ${result.record}`);
	return result.reason;
};

describe('normaliseIdentifier: email', () => {
	it('trims and lower-cases before hashing with SHA-256', () => {
		expect(record('email', '  Jane.Doe@Example.COM ')).toBe(sha('jane.doe@example.com'));
		expect(sha256Hex('a@b.co')).toBe(sha('a@b.co'));
	});

	it('drops the invisible characters that copied text carries, so the address can still match', () => {
		expect(record('email', 'jane\u200B.doe@example.com')).toBe(sha('jane.doe@example.com'));
		expect(record('email', '\uFEFFjane.doe@exam\u00ADple.com\u2060')).toBe(
			sha('jane.doe@example.com'),
		);
		expect(reason('email', '\u200B\u200B')).toBe('Email is not a valid address');
	});

	it('keeps plus-addressing and international addresses as typed (lower-cased)', () => {
		expect(record('email', 'jane+promo@example.com')).toBe(sha('jane+promo@example.com'));
		expect(record('email', 'Jörg@München.DE')).toBe(sha('jörg@münchen.de'));
	});

	it('passes an existing SHA-256 through, lower-cased', () => {
		const hash = sha('x@example.com');
		expect(record('email', hash.toUpperCase())).toBe(hash);
	});

	it.each([
		['missing', undefined, 'Email is missing'],
		['empty string', '', 'Email is missing'],
		['whitespace', '   ', 'Email is blank'],
		['null', null, 'Email is empty (null)'],
		['number', 42, 'Email is a number, not text'],
		['object', { a: 1 }, 'Email is an object, not text'],
		['array', ['a@b.co'], 'Email is a list, not a single value'],
		['boolean', true, 'Email is true/false, not text'],
		['no at sign', 'jane.example.com', 'Email is not a valid address'],
		['comma inside', 'jane,doe@example.com', 'Email is not a valid address'],
		['two addresses', 'a@example.com,b@example.com', 'Email is not a valid address'],
		['leading dot', '.jane@example.com', 'Email is not a valid address'],
		['trailing dot in local part', 'jane.@example.com', 'Email is not a valid address'],
		['double dot', 'ja..ne@example.com', 'Email is not a valid address'],
		['no dot in domain', 'jane@localhost', 'Email is not a valid address'],
		['10 kB string', `${'a'.repeat(10_000)}@example.com`, 'Email is too long to be valid'],
		[
			'MD5-length hex',
			'd41d8cd98f00b204e9800998ecf8427e',
			'Email looks like an MD5 or SHA-1 hash; send the address or its SHA-256 hash',
		],
		[
			'SHA-1-length hex',
			'da39a3ee5e6b4b0d3255bfef95601890afd80709',
			'Email looks like an MD5 or SHA-1 hash; send the address or its SHA-256 hash',
		],
	])('rejects %s with a reason that never quotes the value', (_, raw, expected) => {
		const text = reason('email', raw);
		expect(text).toBe(expected);
		if (typeof raw === 'string' && raw.trim() !== '') expect(text).not.toContain(raw.trim());
	});
});

describe('normaliseIdentifier: mobile advertising IDs', () => {
	const idfa = '6D92078A-8246-4BA4-AE5B-76104861E7DC';

	it('lower-cases the canonical UUID before hashing', () => {
		expect(record('idfa', idfa)).toBe(sha(idfa.toLowerCase()));
		expect(record('maid', ` ${idfa} `)).toBe(sha(idfa.toLowerCase()));
	});

	it('accepts an undashed UUID as the same ID', () => {
		expect(record('maid', idfa.replace(/-/g, ''))).toBe(sha(idfa.toLowerCase()));
	});

	it('passes an existing SHA-256 through', () => {
		const hash = sha(idfa.toLowerCase());
		expect(record('maid', hash)).toBe(hash);
	});

	it.each([
		[
			'not a UUID',
			'abc-123',
			'Mobile Advertising ID is not a valid ID (expected 8-4-4-4-12 hex or its SHA-256 hash)',
		],
		[
			'number as string',
			'1234567890',
			'Mobile Advertising ID is not a valid ID (expected 8-4-4-4-12 hex or its SHA-256 hash)',
		],
		[
			'all zeros',
			'00000000-0000-0000-0000-000000000000',
			'Mobile Advertising ID is all zeros (the user limited ad tracking)',
		],
		['number', 7, 'Mobile Advertising ID is a number, not text'],
	])('rejects %s', (_, raw, expected) => {
		expect(reason('maid', raw)).toBe(expected);
	});

	it('names the IDFA field in its reasons', () => {
		expect(reason('idfa', 'nope')).toMatch(/^Apple IDFA /);
	});
});
