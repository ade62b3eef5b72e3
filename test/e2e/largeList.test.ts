/**
 * The large-list template (examples/large-list-pages-side-by-side.json) in a running n8n (`n8n start`), on a
 * small list: 5,000 users in three pages of whole requests, read and synced side by side by sub-executions of
 * the workflow itself. Every user ends up in one new audience, no execution fails (the template saves
 * failed ones only), and the requests stay full: one per 1,900 users, a part-filled one only for the last
 * page.
 */
import { httpJson } from '../../scripts/lib/n8n';
import { hashEmail, largeListWorkflow } from '../../scripts/lib/workflows';
import { e2eVersions, useEmulatorAndN8n } from './support';

const MINUTE = 60_000;
const CRED = { id: 'pinE2eLarge0001', name: 'Pinterest (emulator, large list)' };
const WORKFLOW_ID = 'e2eLargeList001';
const TOTAL = 5_000;
const PAGES = 3;
const AUDIENCE = 'E2E large list';
const PREFIX = 'large-list-';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe.each(e2eVersions())('n8n %s: the large-list template', (version) => {
	const env = useEmulatorAndN8n(version, CRED);

	test(
		`puts ${TOTAL} users read in ${PAGES} pages side by side into one audience, in full requests`,
		async () => {
			const { emu, n8n } = env;
			const demo = emu.demo;
			await n8n.importWorkflow(
				largeListWorkflow({
					id: WORKFLOW_ID,
					path: WORKFLOW_ID,
					total: TOTAL,
					pages: PAGES,
					prefix: PREFIX,
					credential: CRED,
					adAccountId: demo.adAccountId,
					audience: { audienceMode: 'createNew', audienceName: AUDIENCE },
				}),
			);
			// The workflow calls its own published version, and n8n serves a published workflow's webhook.
			const published = await n8n.cli(['publish:workflow', `--id=${WORKFLOW_ID}`]);
			expect(published.code).toBe(0);
			await n8n.startServer();
			const owner = await n8n.setupOwner();
			const logStart = emu.log.length;

			const answer = await httpJson('POST', `${n8n.baseUrl}/webhook/${WORKFLOW_ID}`, {});
			expect(answer.status).toBe(200);

			// The webhook answers at once; the pages sync in executions of their own.
			const deadline = Date.now() + 3 * MINUTE;
			const inList = (): number => {
				const [created] = emu.findCustomerLists(demo.adAccountId, AUDIENCE);
				return created ? emu.listRecords(demo.adAccountId, created.id).size : 0;
			};
			// n8n lists an execution while it runs; the template keeps failed ones only.
			const listed = async (): Promise<string[]> => {
				const res = await httpJson('GET', `${n8n.baseUrl}/rest/executions?limit=50`, undefined, {
					cookie: owner.cookie,
				});
				const data = (res.body as { data?: { results?: Array<{ status: string }> } }).data;
				return (data?.results ?? []).map((e) => e.status);
			};
			let statuses = await listed();
			while (Date.now() < deadline) {
				statuses = await listed();
				const running = statuses.some((s) => s === 'new' || s === 'running');
				if (inList() >= TOTAL && !running) break;
				await sleep(500);
			}
			// Every execution ended and none failed.
			expect(statuses).toEqual([]);

			const [list] = emu.findCustomerLists(demo.adAccountId, AUDIENCE);
			expect(list).toBeDefined();
			const held = emu.listRecords(demo.adAccountId, list.id);
			expect(held.size).toBe(TOTAL);
			for (let i = 0; i < TOTAL; i++) {
				if (!held.has(hashEmail(`${PREFIX}${i}@example.com`)))
					throw new Error(`user ${i} is not in the list`);
			}
			// One audience for the pages that all looked it up at once; every request full but the last page's.
			expect(emu.findCustomerLists(demo.adAccountId, AUDIENCE)).toHaveLength(1);
			const writes = emu.log
				.slice(logStart)
				.filter((e) => e.method === 'PATCH' && e.status >= 200 && e.status < 300);
			const creates = emu.log
				.slice(logStart)
				.filter((e) => e.method === 'POST' && e.path.endsWith('/customer_lists'));
			expect(creates).toHaveLength(1);
			expect(writes.length + creates.length).toBe(Math.ceil(TOTAL / 1900));
		},
		10 * MINUTE,
	);
});
