/**
 * The packed package, installed as the README says and without a registry:
 * - `npm install --omit=peer <package>` in an n8n nodes folder (`~/.n8n/nodes`): without --omit=peer,
 *   npm also installs the peer dependency n8n-workflow (its latest version, whose isolated-vm does not
 *   build on Node 20); n8n provides its own.
 * - `npm install --offline --legacy-peer-deps <tarball>` with an empty npm cache: the package has no
 *   dependencies (Bottleneck and the Redis client are bundled into dist/), so it installs where the
 *   registry cannot be reached. (--omit=peer is not enough offline: npm still reads n8n-workflow's
 *   metadata from the registry to plan the install; --legacy-peer-deps leaves peers out of the plan.)
 * Either way the folder holds the package alone, and the node and credential load the way n8n loads
 * them, with n8n-workflow from n8n's modules (n8n puts them on NODE_PATH). `npm run test:install`
 * builds first. Also records the tarball's size and contents: nothing of the emulator, no `bin`.
 */
import { spawnSync } from 'node:child_process';
import {
	existsSync,
	mkdirSync,
	mkdtempSync,
	readFileSync,
	readdirSync,
	rmSync,
	symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const PACKAGE = 'n8n-nodes-pinterest-audience-sync';

jest.setTimeout(300_000);

interface Packed {
	filename: string;
	size: number;
	files: Array<{ path: string }>;
}

let scratch: string;
let packed: Packed;
let tarball: string;

function run(command: string, args: string[], cwd: string, env = process.env): string {
	const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
	if (result.status !== 0)
		throw new Error(
			`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
		);
	return result.stdout;
}

beforeAll(() => {
	scratch = mkdtempSync(join(tmpdir(), 'pas-install-'));
	expect(
		existsSync(
			join(REPO, 'dist', 'nodes', 'PinterestAudienceSync', 'PinterestAudienceSync.node.js'),
		),
	).toBe(true);
	[packed] = JSON.parse(
		run('npm', ['pack', '--json', '--pack-destination', scratch], REPO),
	) as Packed[];
	tarball = join(scratch, packed.filename);
	// n8n's own modules, which provide n8n-workflow to community nodes.
	const n8nModules = join(scratch, 'n8n', 'node_modules');
	mkdirSync(n8nModules, { recursive: true });
	symlinkSync(join(REPO, 'node_modules', 'n8n-workflow'), join(n8nModules, 'n8n-workflow'), 'dir');
});
afterAll(() => {
	rmSync(scratch, { recursive: true, force: true });
});

/** `npm install <flags> <tarball>` in a new nodes folder; the package folder. */
function install(label: string, flags: string[]): string {
	const nodesFolder = join(scratch, label);
	mkdirSync(nodesFolder);
	run('npm', ['install', ...flags, '--no-audit', '--no-fund', tarball], nodesFolder);
	const modules = join(nodesFolder, 'node_modules');
	// The package alone: nothing bundled is installed beside it, and no n8n-workflow, no .bin.
	expect(readdirSync(modules).filter((name) => !name.startsWith('.package-lock'))).toEqual([
		PACKAGE,
	]);
	return join(modules, PACKAGE);
}

/** Loads the installed node and credential as n8n does, in a process of their own. */
function loadAsN8n(installed: string): { nodes: string[]; credentials: string[] } {
	const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const load = `
		const path = require('path');
		const root = ${JSON.stringify(installed)};
		const named = (file) => { const exports = require(path.join(root, file)); return Object.values(exports)[0]; };
		const nodes = ${JSON.stringify(manifest.n8n.nodes)}.map((file) => new (named(file))().description.name);
		const credentials = ${JSON.stringify(manifest.n8n.credentials)}.map((file) => new (named(file))().name);
		console.log(JSON.stringify({ nodes, credentials }));`;
	const env = { ...process.env, NODE_PATH: join(scratch, 'n8n', 'node_modules') };
	return JSON.parse(run(process.execPath, ['-e', load], scratch, env)) as {
		nodes: string[];
		credentials: string[];
	};
}

const LOADED = { nodes: ['pinterestAudienceSync'], credentials: ['pinterestOAuth2Api'] };

it('the tarball: no runtime dependencies, no bin, no emulator, the bundled licences', () => {
	const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as Record<
		string,
		unknown
	>;
	expect(manifest.dependencies).toBeUndefined();
	expect(manifest.bin).toBeUndefined();
	expect(manifest.main).toBeUndefined();
	const files = packed.files.map((file) => file.path);
	expect(files.filter((file) => /emulator/i.test(file))).toEqual([]);
	expect(files).toContain('dist/THIRD_PARTY_NOTICES.md');
	const notices = readFileSync(join(REPO, 'dist', 'THIRD_PARTY_NOTICES.md'), 'utf8');
	for (const bundled of ['bottleneck', 'ioredis'])
		expect(notices).toMatch(new RegExp(`^## ${bundled} `, 'm'));
	process.stdout.write(`${packed.filename}: ${packed.size} bytes, ${files.length} files\n`);
});

it('npm install --omit=peer (the README): the package alone, and n8n can load its node and credential', () => {
	expect(loadAsN8n(install('nodes', ['--omit=peer']))).toEqual(LOADED);
});

it('npm install --offline --legacy-peer-deps with an empty npm cache: installs and loads the same', () => {
	const cache = mkdtempSync(join(scratch, 'empty-npm-cache-'));
	const installed = install('nodes-offline', ['--offline', '--legacy-peer-deps', '--cache', cache]);
	expect(loadAsN8n(installed)).toEqual(LOADED);
});
