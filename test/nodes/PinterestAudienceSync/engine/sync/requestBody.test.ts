import { createHash } from 'node:crypto';
import fc from 'fast-check';

import { listRequestBody } from '../../../../../nodes/PinterestAudienceSync/engine/sync/requestBody';
import { recordList } from '../../../../../nodes/PinterestAudienceSync/engine/users';

const digest = (n: number): string => createHash('sha256').update(`user-${n}`).digest('hex');

describe('listRequestBody', () => {
	it('is the JSON Pinterest expects: each record once, in the order first carried, across executions', () => {
		fc.assert(
			fc.property(
				fc.array(fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 30 }), {
					minLength: 1,
					maxLength: 4,
				}),
				fc.constantFrom('ADD' as const, 'REMOVE' as const),
				(parts, operation) => {
					const sources = parts.map((numbers) => recordList([...new Set(numbers)].map(digest)));
					const slices = sources.map((records) => ({
						records,
						start: Math.min(1, records.length - 1),
						count: records.length - Math.min(1, records.length - 1),
					}));
					const expected = [
						...new Set(
							slices.flatMap(({ records, start, count }) =>
								Array.from({ length: count }, (_, i) => records.recordAt(start + i)),
							),
						),
					];
					const body = listRequestBody(operation, slices);
					expect(body.toString('latin1')).toBe(
						JSON.stringify({ operation_type: operation, records: expected.join(',') }),
					);
				},
			),
		);
	});
});
