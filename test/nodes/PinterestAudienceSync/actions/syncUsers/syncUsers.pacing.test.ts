/**
 * Sync Users at Pinterest's real rate: the node keeps to 7 writes per second on its own, judged by the
 * emulator in real time (about 5 s of writes). Part of `npm run test:pacing`.
 */
import { startEmulator } from '../../../../../emulator';
import { credentialFor, emailItems, runNode, syncParameters } from '../../../../helpers/nodeRunner';

describe('Sync Users: pacing', () => {
	it('paces its own writes to 7 per second: an API that allows 8 refuses none of 31', async () => {
		// Pinterest allows 7 writes a second; this emulator allows 8, so only an engine that sends without
		// its limiter (31 writes at once: ~23 refused) is refused here, not a write that reached the API a
		// few ms late (9 starts of the limiter span at least 1,051 ms). The rule itself is tested on the
		// limiter's own clock in engine/limiter.pacing.test.ts.
		const lenient = await startEmulator({ writesPerSecond: 8 });
		try {
			const run = await runNode({
				credential: credentialFor(lenient),
				parameters: syncParameters({
					audienceName: `Rate ${Date.now()}`,
					options: { batchSize: 1000 },
				}),
				items: emailItems(30_000, 100_000),
			});
			expect(run.metrics.usersSynced).toBe(30_000);
			expect(run.metrics.requests).toBeGreaterThanOrEqual(31);
			const writes = lenient.log.filter((e) => e.category === 'ads_write');
			expect(writes.filter((e) => e.status === 429)).toEqual([]);
			expect(run.metrics.rateLimited).toBe(0);
		} finally {
			await lenient.close();
		}
	});
});
