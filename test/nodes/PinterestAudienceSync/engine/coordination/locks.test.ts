/** The in-process backend of the one lock primitive: order of arrival, hand-over, waits that give up. */
import { InProcessLocks } from '../../../../../nodes/PinterestAudienceSync/engine/coordination';

it('hands the key to waiters in order of arrival, and other keys are free meanwhile', async () => {
	const locks = new InProcessLocks();
	const order: string[] = [];
	const first = await locks.acquire('list');
	const waiting = ['second', 'third'].map((name) =>
		locks.acquire('list').then((lease) => {
			order.push(name);
			return lease;
		}),
	);
	const other = await locks.acquire('another list');
	await other.release();
	expect(order).toEqual([]);
	await first.release();
	const second = await waiting[0];
	expect(order).toEqual(['second']);
	await second.release();
	await (await waiting[1]).release();
	expect(order).toEqual(['second', 'third']);
});

it('a wait with a bound fails with the caller error and leaves the line; the holder keeps the key', async () => {
	const locks = new InProcessLocks();
	const holder = await locks.acquire('list');
	await expect(
		locks.acquire('list', { waitMs: 20, timedOut: () => new Error('still busy') }),
	).rejects.toThrow('still busy');
	expect(await holder.stillHeld()).toBe(true);
	await holder.release();
	expect(await holder.stillHeld()).toBe(false);
	// The waiter that gave up is not handed the key: the next one gets it at once.
	const next = await locks.acquire('list', { waitMs: 20 });
	await next.release();
});

it('run releases the key however the work ends', async () => {
	const locks = new InProcessLocks();
	await expect(
		locks.run('list', async () => {
			throw new Error('work failed');
		}),
	).rejects.toThrow('work failed');
	expect(await locks.run('list', async () => 'ran')).toBe('ran');
});
