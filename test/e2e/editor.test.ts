/**
 * The node in n8n's editor, in a real browser (Debian `chromium` driven by playwright-core; no browser
 * download). n8n in server mode with the emulator credential: log in, find the node in the nodes panel,
 * open a workflow with the node, load the Ad Account list from the emulator, search the 600-audience
 * account for "Segment 599". Screenshots go to test-artifacts/.
 * Browser: CHROMIUM_PATH, else /usr/bin/chromium. N8N_E2E_EDITOR=0 skips this file.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { chromium, type Browser, type Page } from 'playwright-core';

import { startEmulator, type Emulator } from '../../emulator';
import {
	createN8nInstance,
	DEFAULT_OWNER,
	ensureN8n,
	type N8nInstance,
} from '../../scripts/lib/n8n';
import { demoCredential, syncUsersWorkflow } from '../../scripts/lib/workflows';
import { ARTIFACTS_DIR, e2eVersions, recordTimings, SYNC_NODE } from './support';

const MINUTE = 60_000;
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const enabled = process.env.N8N_E2E_EDITOR !== '0';
const describeEditor = enabled ? describe.each(e2eVersions()) : describe.skip.each(e2eVersions());

const EDITOR_WF = 'e2eEditorWf0001';
const LIST_MODE_EMPTY = { __rl: true, mode: 'list', value: '' };

describeEditor('n8n %s editor', (version) => {
	let emu: Emulator;
	let n8n: N8nInstance;
	let browser: Browser;
	let page: Page;
	const timings: Record<string, number> = {};
	let suiteStart = Date.now();
	const shot = async (name: string) => {
		mkdirSync(ARTIFACTS_DIR, { recursive: true });
		await page.screenshot({ path: join(ARTIFACTS_DIR, `editor-${version}-${name}.png`) });
	};

	beforeAll(async () => {
		suiteStart = Date.now();
		if (!existsSync(CHROMIUM)) {
			throw new Error(
				`No Chromium at ${CHROMIUM}. Install Debian's package (apt-get install -y chromium), set CHROMIUM_PATH, or skip the editor test with N8N_E2E_EDITOR=0.`,
			);
		}
		await ensureN8n(version);
		const t = Date.now();
		emu = await startEmulator({});
		n8n = await createN8nInstance({ version });
		const credential = demoCredential(emu, { id: 'pinE2eEditor001', name: 'Pinterest (emulator)' });
		await n8n.importCredentials([credential]);
		await n8n.importWorkflow(
			syncUsersWorkflow({
				id: EDITOR_WF,
				name: 'Editor check',
				credential,
				usersCode: 'return [];',
				parameters: {
					adAccount: LIST_MODE_EMPTY,
					audienceMode: 'existing',
					audience: LIST_MODE_EMPTY,
				},
			}),
		);
		await n8n.startServer();
		await n8n.setupOwner(DEFAULT_OWNER);
		timings['setup (emulator, n8n server, owner)'] = Date.now() - t;
		browser = await chromium.launch({
			executablePath: CHROMIUM,
			args: [
				'--no-sandbox',
				'--disable-gpu',
				'--disable-quic',
				'--no-first-run',
				'--disable-background-networking',
				'--disable-component-update',
				'--disable-sync',
			],
		});
		page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
		page.setDefaultTimeout(30_000);
	}, 40 * MINUTE);

	afterAll(async () => {
		await browser?.close();
		await n8n?.cleanup();
		await emu?.close();
		timings['whole editor suite'] = Date.now() - suiteStart;
		recordTimings(`${version}-editor`, timings);
	});

	test(
		'log in as the owner',
		async () => {
			const t = Date.now();
			await page.goto(`${n8n.baseUrl}/signin`);
			await page
				.locator('input[name=emailOrLdapLoginId], input[type=email]')
				.first()
				.fill(DEFAULT_OWNER.email);
			await page.locator('input[type=password]').fill(DEFAULT_OWNER.password);
			await page.keyboard.press('Enter');
			await page.waitForURL((url) => !url.pathname.startsWith('/signin'));
			timings['log in'] = Date.now() - t;
		},
		2 * MINUTE,
	);

	test(
		'the nodes panel finds "Pinterest Audience Sync"',
		async () => {
			const t = Date.now();
			await page.goto(`${n8n.baseUrl}/workflow/new`);
			// "Add first step" opens the nodes panel (the keyboard shortcut changed from Tab to N in 2.x).
			await page.locator('[data-test-id="canvas-add-button"]').click();
			const search = page
				.locator(
					'input[data-test-id="node-creator-search-bar"], [data-test-id="node-creator-search-bar"] input',
				)
				.first();
			await search.waitFor();
			await search.fill('Pinterest Audience Sync');
			const item = page
				.locator('[data-test-id="node-creator-item-name"], [data-test-id="node-creator-node-item"]')
				.filter({
					hasText: 'Pinterest Audience Sync',
				});
			await item.first().waitFor();
			await shot('1-nodes-panel');
			timings['nodes panel search'] = Date.now() - t;
		},
		2 * MINUTE,
	);

	test(
		'the node opens; Ad Account list loads from the emulator; audience search finds "Segment 599" among 600',
		async () => {
			const t = Date.now();
			await page.goto(`${n8n.baseUrl}/workflow/${EDITOR_WF}`);
			const node = page.locator('[data-test-id="canvas-node"]').filter({ hasText: SYNC_NODE });
			await node.waitFor();
			await node.dblclick();

			const adAccount = page.locator('[data-test-id="resource-locator-adAccount"]');
			await adAccount.waitFor();
			for (const label of [
				'Operation',
				'Ad Account',
				'Audience',
				'Existing Audience',
				'Action',
				'Fields to Match',
				'Email',
				'Options',
			]) {
				await page
					.locator('[data-test-id="node-parameters"]')
					.getByText(label, { exact: true })
					.first()
					.waitFor();
			}

			await adAccount.locator('[data-test-id="rlc-input-container"]').click();
			const items = page.locator('[data-test-id="rlc-item"]');
			await items.filter({ hasText: 'ACME Big Account' }).first().waitFor();
			expect(await items.allInnerTexts()).toEqual(
				expect.arrayContaining(['ACME Tools', 'ACME Big Account']),
			);
			await shot('2-ad-accounts');
			await items.filter({ hasText: 'ACME Big Account' }).first().click();

			const audience = page.locator('[data-test-id="resource-locator-audience"]');
			await audience.locator('[data-test-id="rlc-input-container"]').click();
			await items.first().waitFor();
			await page
				.locator('[data-test-id="rlc-search"] input, input[data-test-id="rlc-search"]')
				.first()
				.fill('Segment 599');
			const segment = items.filter({ hasText: 'Segment 599' }).first();
			await segment.waitFor();
			expect((await items.allInnerTexts()).map((s) => s.trim())).toEqual(['Segment 599']);
			await shot('3-audience-search');
			await segment.click();
			const valueOf = (rlc: typeof audience) =>
				rlc.locator('[data-test-id="rlc-input-container"] input').first().inputValue();
			await expect(valueOf(audience)).resolves.toBe('Segment 599');
			await expect(valueOf(adAccount)).resolves.toBe('ACME Big Account');
			await shot('4-node-filled');

			// The list searches went to the emulator, one page per call.
			const reads = emu.log.filter((e) => e.method === 'GET' && e.path.includes('/audiences'));
			expect(reads.length).toBeGreaterThan(0);
			expect(reads.every((e) => e.status === 200)).toBe(true);
			timings['node editor: lists and search'] = Date.now() - t;
		},
		3 * MINUTE,
	);
});
