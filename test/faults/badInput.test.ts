/**
 * Bad-input matrix (the node normalises and hashes identifiers itself): every item, however
 * malformed, leaves on Users with a status — Synced with the expected SHA-256 record, or Not Synced
 * with a reason that names the field and the problem — and no other user is lost. Each group runs
 * once through the node against the emulator, its cases interleaved with good control users; the
 * list must then hold exactly the expected records. Expected hashes are written out by hand, not
 * computed with the node's normaliser.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import type { Emulator } from '../../emulator';
import { startEmulator } from '../../emulator';
import type { NodeRun } from '../helpers/nodeRunner';
import { credentialFor, runNode, sha, statusOf, syncParameters, uniqueName } from './support';

interface Case {
	label: string;
	item: INodeExecutionData;
	/** 'synced', or the Not Synced reason. */
	expect: string;
	/** Records a synced case puts in the list (already normalised, hashed here). */
	records?: string[];
}

const SYNCED = 'synced';
const json = (value: Record<string, unknown>): INodeExecutionData => ({
	json: value as IDataObject,
});
const email = (value: unknown): INodeExecutionData => json({ email: value });
const hashed = (...plain: string[]) => plain.map(sha);

const BAD_EMAIL = 'Email is not a valid address';
const HASH_A = sha('already-hashed@example.com');
const label63 = (c: string) => c.repeat(63);
const EMAIL_254 = `${'a'.repeat(64)}@${label63('b')}.${label63('c')}.${'d'.repeat(61)}`;
const EMAIL_255 = `${'a'.repeat(64)}@${label63('b')}.${label63('c')}.${'d'.repeat(62)}`;

const emailCases: Case[] = [
	// Types and emptiness
	{ label: 'field missing', item: json({}), expect: 'Email is missing' },
	{ label: 'undefined', item: email(undefined), expect: 'Email is missing' },
	{ label: 'null', item: email(null), expect: 'Email is empty (null)' },
	{ label: 'number', item: email(12345), expect: 'Email is a number, not text' },
	{ label: 'zero', item: email(0), expect: 'Email is a number, not text' },
	{ label: 'NaN', item: email(Number.NaN), expect: 'Email is a number, not text' },
	{ label: 'boolean', item: email(true), expect: 'Email is true/false, not text' },
	{
		label: 'object',
		item: email({ address: 'x@example.com' }),
		expect: 'Email is an object, not text',
	},
	{
		label: 'deeply nested object',
		item: email({ a: { b: { c: 'x@example.com' } } }),
		expect: 'Email is an object, not text',
	},
	{ label: 'Date object', item: email(new Date(0)), expect: 'Email is an object, not text' },
	{
		label: 'list of one address',
		item: email(['x@example.com']),
		expect: 'Email is a list, not a single value',
	},
	{ label: 'empty list', item: email([]), expect: 'Email is a list, not a single value' },
	{ label: 'empty string', item: email(''), expect: 'Email is missing' },
	{ label: 'spaces', item: email('   '), expect: 'Email is blank' },
	{ label: 'tabs and newlines', item: email('\n\t \r\n'), expect: 'Email is blank' },
	// Not an address
	{ label: 'number as text', item: email('12345'), expect: BAD_EMAIL },
	{ label: '"null" as text', item: email('null'), expect: BAD_EMAIL },
	{ label: 'no @', item: email('not-an-email'), expect: BAD_EMAIL },
	{ label: 'leading dot', item: email('.john@example.com'), expect: BAD_EMAIL },
	{ label: 'trailing dot before @', item: email('john.@example.com'), expect: BAD_EMAIL },
	{ label: 'two dots in a row', item: email('jo..hn@example.com'), expect: BAD_EMAIL },
	{ label: 'trailing dot after the domain', item: email('john@example.com.'), expect: BAD_EMAIL },
	{ label: 'leading dot in the domain', item: email('john@.example.com'), expect: BAD_EMAIL },
	{ label: 'domain without a dot', item: email('john@localhost'), expect: BAD_EMAIL },
	{
		label: 'domain label starting with a hyphen',
		item: email('john@-example.com'),
		expect: BAD_EMAIL,
	},
	{ label: 'two @', item: email('a@b@example.com'), expect: BAD_EMAIL },
	{
		label: 'display name and angle brackets',
		item: email('John <john@example.com>'),
		expect: BAD_EMAIL,
	},
	{ label: 'quoted local part', item: email('"john"@example.com'), expect: BAD_EMAIL },
	{ label: 'space inside', item: email('jo hn@example.com'), expect: BAD_EMAIL },
	{ label: 'newline inside', item: email('john@exam\nple.com'), expect: BAD_EMAIL },
	{ label: 'two addresses, comma', item: email('a@example.com,b@example.com'), expect: BAD_EMAIL },
	{
		label: 'two addresses, semicolon',
		item: email('a@example.com;b@example.com'),
		expect: BAD_EMAIL,
	},
	{
		label: '65-character local part',
		item: email(`${'a'.repeat(65)}@example.com`),
		expect: BAD_EMAIL,
	},
	{ label: '255 characters', item: email(EMAIL_255), expect: BAD_EMAIL },
	{ label: '1,024 characters', item: email('x'.repeat(1024)), expect: BAD_EMAIL },
	{
		label: '1,025 characters',
		item: email('x'.repeat(1025)),
		expect: 'Email is too long to be valid',
	},
	{
		label: 'a 1,000,000-character string',
		item: email(`${'x'.repeat(999_988)}@example.com`),
		expect: 'Email is too long to be valid',
	},
	// Hashes
	{ label: 'SHA-256, lower case', item: email(HASH_A), expect: SYNCED, records: [HASH_A] },
	{
		label: 'SHA-256, upper case',
		item: email(sha('upper-hash@example.com').toUpperCase()),
		expect: SYNCED,
		records: hashed('upper-hash@example.com'),
	},
	{
		label: 'SHA-256 with spaces around',
		item: email(`  ${sha('padded-hash@example.com')}\n`),
		expect: SYNCED,
		records: hashed('padded-hash@example.com'),
	},
	{ label: '63 hex digits', item: email(HASH_A.slice(1)), expect: BAD_EMAIL },
	{ label: '65 hex digits', item: email(`${HASH_A}a`), expect: BAD_EMAIL },
	{
		label: 'MD5',
		item: email('d41d8cd98f00b204e9800998ecf8427e'),
		expect: 'Email looks like an MD5 or SHA-1 hash; send the address or its SHA-256 hash',
	},
	{
		label: 'SHA-1',
		item: email('DA39A3EE5E6B4B0D3255BFEF95601890AFD80709'),
		expect: 'Email looks like an MD5 or SHA-1 hash; send the address or its SHA-256 hash',
	},
	// Valid addresses, normalised
	{
		label: 'upper case',
		item: email('UPPER@EXAMPLE.COM'),
		expect: SYNCED,
		records: hashed('upper@example.com'),
	},
	{
		label: 'spaces and tabs around',
		item: email(' \tpadded@example.com \n'),
		expect: SYNCED,
		records: hashed('padded@example.com'),
	},
	{
		label: 'plus-addressing (kept as typed)',
		item: email('John+Promo@Example.com'),
		expect: SYNCED,
		records: hashed('john+promo@example.com'),
	},
	{
		label: 'IDN domain',
		item: email('user@münchen.de'),
		expect: SYNCED,
		records: hashed('user@münchen.de'),
	},
	{
		label: 'IDN domain in upper case',
		item: email('USER2@MÜNCHEN.DE'),
		expect: SYNCED,
		records: hashed('user2@münchen.de'),
	},
	{
		label: 'IDN domain in punycode (kept as typed)',
		item: email('user@xn--mnchen-3ya.de'),
		expect: SYNCED,
		records: hashed('user@xn--mnchen-3ya.de'),
	},
	{
		label: 'decomposed accent (NFD → NFC)',
		item: email('zoe\u0308@example.com'),
		expect: SYNCED,
		records: hashed('zo\u00eb@example.com'),
	},
	{
		label: '254 characters',
		item: email(EMAIL_254.toUpperCase()),
		expect: SYNCED,
		records: hashed(EMAIL_254),
	},
	{
		label: 'dots inside the local part',
		item: email('first.middle.last@example.co.uk'),
		expect: SYNCED,
		records: hashed('first.middle.last@example.co.uk'),
	},
	{
		label: 'a duplicate of a control user, other case',
		item: email(' CONTROL-email-0@EXAMPLE.com'),
		expect: SYNCED,
		records: hashed('control-email-0@example.com'),
	},
	// Items that are not users
	{
		label: 'binary-only item',
		item: {
			json: {},
			binary: { data: { data: 'iVBORw0KGgo=', mimeType: 'image/png', fileName: 'x.png' } },
		},
		expect: 'Email is missing',
	},
	{ label: "previous node's error output", item: json({ error: 'x' }), expect: 'Email is missing' },
	{
		label: "previous node's error output, with details",
		item: json({ error: { message: 'boom', description: 'upstream failed' } }),
		expect: 'Email is missing',
	},
];

const BAD_MAID =
	'Mobile Advertising ID is not a valid ID (expected 8-4-4-4-12 hex or its SHA-256 hash)';
const GAID = '38400000-8cf0-11bd-b23e-10b96e40000d';
const maid = (value: unknown): INodeExecutionData => json({ maid: value });
const maidCases: Case[] = [
	{ label: 'GAID', item: maid(GAID), expect: SYNCED, records: hashed(GAID) },
	{
		label: 'GAID in upper case',
		item: maid('AB400000-8CF0-11BD-B23E-10B96E40000D'),
		expect: SYNCED,
		records: hashed('ab400000-8cf0-11bd-b23e-10b96e40000d'),
	},
	{
		label: 'GAID without dashes',
		item: maid('CD4000008CF011BDB23E10B96E40000D'),
		expect: SYNCED,
		records: hashed('cd400000-8cf0-11bd-b23e-10b96e40000d'),
	},
	{
		label: 'GAID with spaces around',
		item: maid(' ef400000-8cf0-11bd-b23e-10b96e40000d\t'),
		expect: SYNCED,
		records: hashed('ef400000-8cf0-11bd-b23e-10b96e40000d'),
	},
	{
		label: 'SHA-256 of a GAID',
		item: maid(sha('hashed-gaid')),
		expect: SYNCED,
		records: hashed('hashed-gaid'),
	},
	{
		label: 'all zeros (limit ad tracking)',
		item: maid('00000000-0000-0000-0000-000000000000'),
		expect: 'Mobile Advertising ID is all zeros (the user limited ad tracking)',
	},
	{
		label: 'all zeros without dashes',
		item: maid('0'.repeat(32)),
		expect: 'Mobile Advertising ID is all zeros (the user limited ad tracking)',
	},
	{ label: 'in braces', item: maid(`{${GAID}}`), expect: BAD_MAID },
	{ label: 'too short', item: maid('38400000-8cf0-11bd-b23e'), expect: BAD_MAID },
	{ label: 'not hex', item: maid('g8400000-8cf0-11bd-b23e-10b96e40000d'), expect: BAD_MAID },
	{ label: 'number', item: maid(38400000), expect: 'Mobile Advertising ID is a number, not text' },
	{ label: 'number as text', item: maid('1234567890'), expect: BAD_MAID },
	{ label: 'an email in the MAID field', item: maid('john@example.com'), expect: BAD_MAID },
	{ label: 'null', item: maid(null), expect: 'Mobile Advertising ID is empty (null)' },
	{ label: 'missing', item: json({}), expect: 'Mobile Advertising ID is missing' },
];

const idfa = (value: unknown): INodeExecutionData => json({ idfa: value });
const idfaCases: Case[] = [
	{
		label: 'IDFA as Apple prints it (upper case)',
		item: idfa('AEBE52E7-03EE-455A-B3C4-E57283966239'),
		expect: SYNCED,
		records: hashed('aebe52e7-03ee-455a-b3c4-e57283966239'),
	},
	{
		label: 'all zeros (App Tracking Transparency denied)',
		item: idfa('00000000-0000-0000-0000-000000000000'),
		expect: 'Apple IDFA is all zeros (the user limited ad tracking)',
	},
	{ label: 'missing', item: json({ maid: GAID }), expect: 'Apple IDFA is missing' },
	{
		label: 'list',
		item: idfa(['AEBE52E7-03EE-455A-B3C4-E57283966239']),
		expect: 'Apple IDFA is a list, not a single value',
	},
	{
		label: 'wrong grouping',
		item: idfa('AEBE52E703EE-455A-B3C4-E572-83966239'),
		expect: 'Apple IDFA is not a valid ID (expected 8-4-4-4-12 hex or its SHA-256 hash)',
	},
];

const IDFA_B = 'B0BE52E7-03EE-455A-B3C4-E57283966239';
const all = (e: unknown, m: unknown, i: unknown): INodeExecutionData =>
	json({ email: e, maid: m, idfa: i });
const mixedCases: Case[] = [
	{
		label: 'all three valid',
		item: all('all3@example.com', '11400000-8cf0-11bd-b23e-10b96e40000d', IDFA_B),
		expect: SYNCED,
		records: hashed(
			'all3@example.com',
			'11400000-8cf0-11bd-b23e-10b96e40000d',
			IDFA_B.toLowerCase(),
		),
	},
	{
		label: 'email valid, MAID invalid, IDFA missing',
		item: all('only-email@example.com', 'nope', undefined),
		expect: SYNCED,
		records: hashed('only-email@example.com'),
	},
	{
		label: 'email invalid, MAID valid',
		item: all('nope', '22400000-8CF0-11BD-B23E-10B96E40000D', null),
		expect: SYNCED,
		records: hashed('22400000-8cf0-11bd-b23e-10b96e40000d'),
	},
	{
		label: 'only the IDFA, as a hash',
		item: all(undefined, undefined, sha('idfa-hash')),
		expect: SYNCED,
		records: hashed('idfa-hash'),
	},
	{
		label: 'the same SHA-256 in two fields (sent once)',
		item: all(HASH_A, undefined, HASH_A),
		expect: SYNCED,
		records: [HASH_A],
	},
	{
		label: 'all three invalid: every reason, in field order',
		item: all('nope', '00000000-0000-0000-0000-000000000000', 42),
		expect:
			'Email is not a valid address; Mobile Advertising ID is all zeros (the user limited ad tracking); Apple IDFA is a number, not text',
	},
	{
		label: 'all three missing',
		item: json({ name: 'Ann' }),
		expect: 'Email is missing; Mobile Advertising ID is missing; Apple IDFA is missing',
	},
	{
		label: "previous node's error output",
		item: json({ error: 'x' }),
		expect: 'Email is missing; Mobile Advertising ID is missing; Apple IDFA is missing',
	},
];

const contact = (value: unknown): INodeExecutionData => json({ contact: value });
const expressionCases: Case[] = [
	{
		label: 'first of a list of addresses',
		item: contact({ emails: ['First@Example.com', 'second@example.com'] }),
		expect: SYNCED,
		records: hashed('first@example.com'),
	},
	{ label: 'empty list of addresses', item: contact({ emails: [] }), expect: 'Email is missing' },
	{
		label: 'the list is missing (the expression throws)',
		item: contact({}),
		expect: 'the Email mapping failed for this item',
	},
	{
		label: 'no contact at all (the expression throws)',
		item: json({}),
		expect: 'the Email mapping failed for this item',
	},
	{
		label: 'a number in the list',
		item: contact({ emails: [42] }),
		expect: 'Email is a number, not text',
	},
];

const profile = (value: unknown): INodeExecutionData => json({ user: value });
const nestedPathCases: Case[] = [
	{
		label: 'nested value',
		item: profile({ profile: { email: 'Nested@Example.com' } }),
		expect: SYNCED,
		records: hashed('nested@example.com'),
	},
	{ label: 'an intermediate null', item: profile({ profile: null }), expect: 'Email is missing' },
	{
		label: 'an intermediate string',
		item: profile('nested@example.com'),
		expect: 'Email is missing',
	},
	{
		label: 'an object where the address should be',
		item: profile({ profile: { email: { value: 'x@example.com' } } }),
		expect: 'Email is an object, not text',
	},
	{ label: 'the last key missing', item: profile({ profile: {} }), expect: 'Email is missing' },
];

interface Group {
	name: string;
	cases: Case[];
	parameters: Record<string, unknown>;
	/** The control user interleaved before case `i`, always valid. */
	control: (i: number) => INodeExecutionData;
	controlRecord: (i: number) => string;
}

const groups: Group[] = [
	{
		name: 'Email',
		cases: emailCases,
		parameters: {},
		control: (i) => email(`control-email-${i}@example.com`),
		controlRecord: (i) => sha(`control-email-${i}@example.com`),
	},
	{
		name: 'Mobile Advertising ID',
		cases: maidCases,
		parameters: { matchFields: ['maid'] },
		control: (i) => maid(`aa${String(i).padStart(6, '0')}-0000-4000-8000-000000000001`),
		controlRecord: (i) => sha(`aa${String(i).padStart(6, '0')}-0000-4000-8000-000000000001`),
	},
	{
		name: 'Apple IDFA',
		cases: idfaCases,
		parameters: { matchFields: ['idfa'] },
		control: (i) => idfa(`BB${String(i).padStart(6, '0')}-0000-4000-8000-000000000001`),
		controlRecord: (i) => sha(`bb${String(i).padStart(6, '0')}-0000-4000-8000-000000000001`),
	},
	{
		name: 'Email + MAID + IDFA',
		cases: mixedCases,
		parameters: { matchFields: ['email', 'maid', 'idfa'] },
		control: (i) => all(`control-mixed-${i}@example.com`, undefined, undefined),
		controlRecord: (i) => sha(`control-mixed-${i}@example.com`),
	},
	{
		name: 'an expression mapping',
		cases: expressionCases,
		parameters: { emailValue: '={{ $json.contact.emails[0] }}' },
		control: (i) => contact({ emails: [`control-expr-${i}@example.com`] }),
		controlRecord: (i) => sha(`control-expr-${i}@example.com`),
	},
	{
		name: 'a nested path mapping',
		cases: nestedPathCases,
		parameters: { emailValue: '={{ $json.user.profile.email }}' },
		control: (i) => profile({ profile: { email: `control-path-${i}@example.com` } }),
		controlRecord: (i) => sha(`control-path-${i}@example.com`),
	},
];

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

it('the matrix has at least 40 cases', () => {
	expect(groups.reduce((n, g) => n + g.cases.length, 0)).toBeGreaterThanOrEqual(40);
});

describe.each(groups)('bad input mapped as $name', (group) => {
	let run: NodeRun;
	let items: INodeExecutionData[];

	beforeAll(async () => {
		items = group.cases.flatMap((c, i) => [group.control(i), c.item]);
		run = await runNode({
			credential: credentialFor(emu),
			parameters: syncParameters({
				audienceName: uniqueName(`Bad input ${group.name}`),
				...group.parameters,
			}),
			items,
		});
	});

	it.each(group.cases)('$label → $expect', (c) => {
		const index = items.indexOf(c.item);
		const status = statusOf(run, index);
		expect(status).toEqual(
			c.expect === SYNCED ? { status: SYNCED } : { status: 'notSynced', reason: c.expect },
		);
		expect(run.users[index].binary).toEqual(c.item.binary);
	});

	it('keeps every control user, counts each case once and leaves the list holding exactly the expected records', () => {
		group.cases.forEach((_, i) => expect(statusOf(run, 2 * i)).toEqual({ status: SYNCED }));
		const notSynced = group.cases.filter((c) => c.expect !== SYNCED);
		expect(run.metrics.usersNotSynced).toBe(notSynced.length);
		expect(run.metrics.usersSynced).toBe(items.length - notSynced.length);
		expect(run.metrics.usersErrored).toBe(0);
		const reasons: Record<string, number> = {};
		for (const c of notSynced) reasons[c.expect] = (reasons[c.expect] ?? 0) + 1;
		expect(run.metrics.notSyncedReasons).toEqual(reasons);

		const expected = new Set([
			...group.cases.flatMap((c) => c.records ?? []),
			...group.cases.map((_, i) => group.controlRecord(i)),
		]);
		const held = emu.listRecords(emu.demo.adAccountId, run.metrics.customerListId as string);
		expect([...held].sort()).toEqual([...expected].sort());
		expect(run.metrics.recordsSent).toBe(expected.size);
	});
});
