import { createHash } from 'node:crypto';

import type { Emulator } from '../../../../../emulator';
import { startEmulator } from '../../../../../emulator';
import { credentialFor, runNode, statusOf, syncParameters } from '../../../../helpers/nodeRunner';

const sha = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

const GOOD = 'good@example.com';

/** Each case: the item's email value, and the reason expected (undefined = synced). */
const cases: Array<[string, unknown, string | undefined]> = [
	['missing field', undefined, 'Email is missing'],
	['null', null, 'Email is empty (null)'],
	['number', 12345, 'Email is a number, not text'],
	['object', { address: GOOD }, 'Email is an object, not text'],
	['array', [GOOD], 'Email is a list, not a single value'],
	['empty string', '', 'Email is missing'],
	['whitespace', ' \t ', 'Email is blank'],
	['upper-case email', 'UPPER@EXAMPLE.COM', undefined],
	['invalid email', 'not-an-email', 'Email is not a valid address'],
	['10 kB string', 'x'.repeat(10_240), 'Email is too long to be valid'],
	['comma inside', 'a@example.com,b@example.com', 'Email is not a valid address'],
	['unicode', 'zoë@exämple.com', undefined],
	['upper-case hex hash', sha('hashed@example.com').toUpperCase(), undefined],
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
	['duplicate of a good user', ' Good@Example.com ', undefined],
];

describe('Sync Users: bad input never crashes the node or loses a user', () => {
	it('gives every bad value its own reason and syncs every good one', async () => {
		const items = [
			{ json: { email: GOOD } },
			...cases.map(([, value]) => ({ json: value === undefined ? {} : { email: value } })),
		];
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: `Bad input ${Date.now()}` }),
			items,
		});

		expect(statusOf(run, 0)).toEqual({ status: 'synced' });
		cases.forEach(([label, , reason], k) => {
			const status = statusOf(run, k + 1);
			if (reason === undefined)
				expect({ label, status }).toEqual({ label, status: { status: 'synced' } });
			else expect({ label, status }).toEqual({ label, status: { status: 'notSynced', reason } });
		});
		const expectedBad = cases.filter(([, , reason]) => reason !== undefined).length;
		expect(run.metrics.usersNotSynced).toBe(expectedBad);
		expect(run.metrics.usersSynced).toBe(items.length - expectedBad);
		expect(
			Object.values(run.metrics.notSyncedReasons as Record<string, number>).reduce(
				(a, b) => a + b,
				0,
			),
		).toBe(expectedBad);

		const held = emu.listRecords('549755885175', run.metrics.customerListId as string);
		expect([...held].sort()).toEqual(
			[
				sha(GOOD),
				sha('upper@example.com'),
				sha('zoë@exämple.com'),
				sha('hashed@example.com'),
			].sort(),
		);
		for (const record of held) expect(record).toMatch(/^[0-9a-f]{64}$/);
	});

	it('reports an item whose mapping expression fails, and still syncs the others', async () => {
		const items = [
			{ json: { profile: { email: 'A@example.com' } } },
			{ json: {} },
			{ json: { profile: { email: 'b@example.com' } } },
		];
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceName: `Expr ${Date.now()}`,
				emailValue: '={{ $json.profile.email.toLowerCase() }}',
			}),
			items,
		});
		expect(statusOf(run, 1)).toEqual({
			status: 'notSynced',
			reason: 'the Email mapping failed for this item',
		});
		expect(run.metrics.usersSynced).toBe(2);
	});

	it('reports an empty input without calling Pinterest', async () => {
		const before = emu.log.length;
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({ audienceName: `Empty ${Date.now()}` }),
			items: [],
		});
		expect(run.metrics.entered).toBe(0);
		expect(emu.log.length).toBe(before);
	});

	it('reads nested and bracketed mappings straight from the item', async () => {
		const items = [{ json: { 'contact info': { mail: 'nested@example.com' } } }];
		const run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceName: `Nested ${Date.now()}`,
				emailValue: '={{ $json["contact info"].mail }}',
			}),
			items,
		});
		expect(run.metrics.usersSynced).toBe(1);
		expect(
			emu
				.listRecords('549755885175', run.metrics.customerListId as string)
				.has(sha('nested@example.com')),
		).toBe(true);
	});
});
