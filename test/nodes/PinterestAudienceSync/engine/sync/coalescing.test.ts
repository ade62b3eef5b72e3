/**
 * When waiting for company can gain anything (coalescing.ts). The clock is an argument: every instant is
 * given, so nothing here depends on the machine's speed.
 */
import { Coalescing } from '../../../../../nodes/PinterestAudienceSync/engine/sync';

const LIST = 'credential|account|existing|audience|add|1900|5000|900000|30000';
const WINDOW = 5_000;

describe('Coalescing', () => {
	it('has nobody to wait for when an execution syncs to a list alone', () => {
		const company = new Coalescing();
		company.join(LIST, 'lone', WINDOW, 0);
		expect(company.worthWaiting(LIST, 'lone', 10)).toBe(false);
	});

	it('waits while another execution syncs to the same list, and no longer once it has ended', () => {
		const company = new Coalescing();
		const leaveOther = company.join(LIST, 'other', WINDOW, 0);
		company.join(LIST, 'mine', WINDOW, 1);
		expect(company.worthWaiting(LIST, 'mine', 2)).toBe(true);
		leaveOther();
		expect(company.worthWaiting(LIST, 'mine', 3)).toBe(false);
	});

	it('does not count executions syncing to another list, with another action or other settings', () => {
		const company = new Coalescing();
		company.join(LIST.replace('|add|', '|remove|'), 'remover', WINDOW, 0);
		company.join(LIST.replace('|5000|', '|0|'), 'unbatched', 0, 0);
		company.join(LIST.replace('audience', 'another'), 'elsewhere', WINDOW, 0);
		company.join(LIST, 'mine', WINDOW, 0);
		expect(company.worthWaiting(LIST, 'mine', 1)).toBe(false);
	});

	it('never lets an execution wait for itself (two of its syncs at once are one party)', () => {
		const company = new Coalescing();
		const leaveFirst = company.join(LIST, 'loop', WINDOW, 0);
		company.join(LIST, 'loop', WINDOW, 0);
		expect(company.worthWaiting(LIST, 'loop', 1)).toBe(false);
		leaveFirst();
		// Leaving twice ends one sync only once.
		leaveFirst();
		company.join(LIST, 'other', WINDOW, 2);
		expect(company.worthWaiting(LIST, 'loop', 3)).toBe(true);
	});

	it('never holds the next round of an execution that sent to the list within the flush window', () => {
		const company = new Coalescing();
		const leaveRound1 = company.join(LIST, 'loop', WINDOW, 0);
		company.sent(LIST, 'loop', 100);
		leaveRound1();
		// Another loop works beside it: without this rule both would hold each round for a full window.
		company.join(LIST, 'other-loop', WINDOW, 150);
		company.join(LIST, 'loop', WINDOW, 200);
		expect(company.worthWaiting(LIST, 'loop', 250)).toBe(false);
		expect(company.worthWaiting(LIST, 'other-loop', 250)).toBe(true);
		// A flush window after its last round, an execution is a newcomer again.
		expect(company.worthWaiting(LIST, 'loop', 100 + WINDOW + 1)).toBe(true);
	});

	it('remembers a round that ended while other lists come and go', () => {
		const company = new Coalescing();
		company.join(LIST, 'loop', WINDOW, 0)();
		company.sent(LIST, 'loop', 0);
		for (let k = 0; k < 100; k++) company.join(`${LIST}|${k}`, `lone-${k}`, WINDOW, 10 + k)();
		company.join(LIST, 'other', WINDOW, 200);
		company.join(LIST, 'loop', WINDOW, 300);
		expect(company.worthWaiting(LIST, 'loop', 300)).toBe(false);
	});

	it('never waits with a flush window of 0 (coalescing off)', () => {
		const company = new Coalescing();
		const OFF = LIST.replace('|5000|', '|0|');
		company.join(OFF, 'other', 0, 0);
		company.join(OFF, 'mine', 0, 0);
		expect(company.worthWaiting(OFF, 'mine', 1)).toBe(false);
	});
});
