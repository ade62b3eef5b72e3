import { createHash } from 'node:crypto';

import type { MatchField } from '../../../../../nodes/PinterestAudienceSync/engine/users';
import { NO_RECORD, prepareUsers } from '../../../../../nodes/PinterestAudienceSync/engine/users';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

describe('prepareUsers', () => {
	it('dedupes identical records across users and keeps first-seen order', () => {
		const emails = ['b@example.com', 'A@example.com', ' a@example.com', 'c@example.com'];
		const prepared = prepareUsers(emails.length, ['email'], (i) => emails[i]);
		expect(prepared.records.toArray()).toEqual([
			sha('b@example.com'),
			sha('a@example.com'),
			sha('c@example.com'),
		]);
		expect([...prepared.userRecords]).toEqual([0, 1, 1, 2]);
		expect(prepared.notSynced.size).toBe(0);
	});

	it('gives a user several records when several fields are mapped, and a reason only when none is usable', () => {
		const users: Array<Record<MatchField, unknown>> = [
			{ email: 'a@example.com', maid: '6d92078a-8246-4ba4-ae5b-76104861e7dc', idfa: undefined },
			{ email: 'broken', maid: 'nope', idfa: null },
			{ email: 'broken', maid: '6d92078a-8246-4ba4-ae5b-76104861e7dc', idfa: undefined },
		];
		const prepared = prepareUsers(
			users.length,
			['email', 'maid', 'idfa'],
			(i, field) => users[i][field],
		);
		expect(prepared.records.length).toBe(2);
		expect([...prepared.userRecords.slice(0, 3)]).toEqual([0, 1, NO_RECORD]);
		expect([...prepared.userRecords.slice(6, 9)]).toEqual([NO_RECORD, 1, NO_RECORD]);
		expect(prepared.notSynced.get(1)).toBe(
			'Email is not a valid address; Mobile Advertising ID is not a valid ID (expected 8-4-4-4-12 hex or its SHA-256 hash); Apple IDFA is empty (null)',
		);
		expect(prepared.notSynced.has(2)).toBe(false);
	});

	it('turns a failing mapping into a per-user reason without losing other users', () => {
		const prepared = prepareUsers(3, ['email'], (i) => {
			if (i === 1)
				throw new Error('Cannot read properties of undefined (reading secret@example.com)');
			return `user${i}@example.com`;
		});
		expect(prepared.records.length).toBe(2);
		expect(prepared.notSynced.get(1)).toBe('the Email mapping failed for this item');
	});

	it('handles an empty input', () => {
		const prepared = prepareUsers(0, ['email'], () => 'x');
		expect(prepared.records.toArray()).toEqual([]);
		expect(prepared.userRecords).toHaveLength(0);
	});
});
