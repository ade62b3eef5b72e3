import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import axios from 'axios';
import * as ts from 'typescript';
import { parseArgs } from '../../emulator/cli';

describe('CLI flags', () => {
	it('defaults to port 8787', () => {
		expect(parseArgs([])).toEqual({ port: 8787 });
	});

	it('parses every flag, with a space or an equals sign', () => {
		expect(
			parseArgs([
				'--port=0',
				'--latency',
				'25',
				'--jitter=5',
				'--writes-per-second',
				'3',
				'--writes-per-minute=100',
				'--max-records',
				'500',
				'--token-lifetime=60',
				'--min-audience-size',
				'10',
				'--client-id',
				'cid',
				'--client-secret=sec',
				'--no-seed',
			]),
		).toEqual({
			port: 0,
			latencyMs: 25,
			latencyJitterMs: 5,
			writesPerSecond: 3,
			writesPerMinute: 100,
			maxRecordsPerRequest: 500,
			accessTokenLifetimeSec: 60,
			audienceMinimumSize: 10,
			clientId: 'cid',
			clientSecret: 'sec',
			seed: false,
		});
	});

	it.each([[['--bogus']], [['--port']], [['--port', 'abc']], [['--latency=-1']]])(
		'rejects %j',
		(argv) => {
			expect(() => parseArgs(argv)).toThrow();
		},
	);
});

describe('CLI process', () => {
	let dir: string;

	beforeAll(() => {
		// Transpile the emulator sources (no type check; tsc covers that) so the real entry point can run,
		// with the one engine module it uses, at the same relative places.
		dir = mkdtempSync(join(tmpdir(), 'pinterest-emulator-cli-'));
		const root = join(__dirname, '..', '..');
		const sources = [
			...readdirSync(join(root, 'emulator'))
				.filter((f) => f.endsWith('.ts'))
				.map((f) => join('emulator', f)),
			join('nodes', 'PinterestAudienceSync', 'engine', 'users', 'digestSet.ts'),
		];
		for (const file of sources) {
			const out = ts.transpileModule(readFileSync(join(root, file), 'utf8'), {
				compilerOptions: {
					module: ts.ModuleKind.CommonJS,
					target: ts.ScriptTarget.ES2020,
					esModuleInterop: true,
				},
			});
			mkdirSync(dirname(join(dir, file)), { recursive: true });
			writeFileSync(join(dir, file.replace(/\.ts$/, '.js')), out.outputText);
		}
	});
	afterAll(() => rmSync(dir, { recursive: true, force: true }));

	it('prints its URL and the demo credentials, serves the API and exits cleanly on SIGINT', async () => {
		const child = spawn(
			process.execPath,
			[join(dir, 'emulator', 'cli.js'), '--port', '0', '--writes-per-second', '3'],
			{
				stdio: ['ignore', 'pipe', 'pipe'],
			},
		);
		let out = '';
		child.stdout.on('data', (d: Buffer) => {
			out += d.toString();
		});
		const exited = new Promise<number | null>((resolve) =>
			child.on('exit', (code) => resolve(code)),
		);
		try {
			const url = await new Promise<string>((resolve, reject) => {
				const timer = setTimeout(() => reject(new Error(`no banner; output: ${out}`)), 15_000);
				child.stdout.on('data', () => {
					const m =
						/^Pinterest API emulator listening on (http:\/\/127\.0\.0\.1:\d+) \(API base \1\/v5\)$/m.exec(
							out,
						);
					if (m) {
						clearTimeout(timer);
						resolve(m[1]);
					}
				});
			});
			await new Promise((r) => setTimeout(r, 50)); // rest of the banner
			for (const s of [
				'emulator-client-id',
				'emulator-client-secret',
				'pina_DEMO_ACCESS_TOKEN_0001',
				'pinr.DEMO_REFRESH_TOKEN_0001',
			]) {
				expect(out).toContain(s);
			}
			const me = await axios.get(`${url}/v5/user_account`, {
				headers: { Authorization: 'Bearer pina_DEMO_ACCESS_TOKEN_0001' },
			});
			expect(me.data).toMatchObject({ username: 'pindexterp' });
			const options = await axios.get(`${url}/_emulator/options`);
			expect(options.data).toMatchObject({ writesPerSecond: 3 });
		} finally {
			child.kill('SIGINT');
		}
		expect(await exited).toBe(0);
	}, 30_000);
});
