/**
 * The README's manual install, on the packed package: `npm install --omit=peer <package>` in an n8n
 * nodes folder (`~/.n8n/nodes`). Without --omit=peer, npm also installs the peer dependency
 * n8n-workflow (its latest version, whose isolated-vm does not build on Node 20); n8n provides its own.
 * The node must then load the way n8n loads it: its own dependencies from the install, n8n-workflow from
 * n8n's modules (n8n puts them on NODE_PATH). Needs the npm registry for bottleneck and ioredis;
 * `npm run test:install` builds first.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const REPO = join(__dirname, '..', '..');
const PACKAGE = 'n8n-nodes-pinterest-audience-sync';

jest.setTimeout(300_000);

let scratch: string;
beforeAll(() => {
	scratch = mkdtempSync(join(tmpdir(), 'pas-manual-install-'));
});
afterAll(() => {
	rmSync(scratch, { recursive: true, force: true });
});

function run(
	command: string,
	args: string[],
	cwd: string,
	env: NodeJS.ProcessEnv = process.env,
): string {
	const result = spawnSync(command, args, { cwd, env, encoding: 'utf8' });
	if (result.status !== 0)
		throw new Error(
			`${command} ${args.join(' ')} failed (exit ${result.status}):\n${result.stdout}\n${result.stderr}`,
		);
	return result.stdout;
}

it('npm install --omit=peer installs the packed package without n8n-workflow, and n8n can load its node and credential', () => {
	expect(
		existsSync(
			join(REPO, 'dist', 'nodes', 'PinterestAudienceSync', 'PinterestAudienceSync.node.js'),
		),
	).toBe(true);
	const [packed] = JSON.parse(
		run('npm', ['pack', '--json', '--pack-destination', scratch], REPO),
	) as Array<{ filename: string }>;
	const tarball = join(scratch, packed.filename);

	// ~/.n8n/nodes
	const nodesFolder = join(scratch, 'nodes');
	mkdirSync(nodesFolder);
	run('npm', ['install', '--omit=peer', '--no-audit', '--no-fund', tarball], nodesFolder);

	const modules = join(nodesFolder, 'node_modules');
	expect(existsSync(join(modules, PACKAGE, 'package.json'))).toBe(true);
	expect(existsSync(join(modules, 'bottleneck'))).toBe(true);
	expect(existsSync(join(modules, 'ioredis'))).toBe(true);
	expect(existsSync(join(modules, 'n8n-workflow'))).toBe(false);
	expect(existsSync(join(modules, 'isolated-vm'))).toBe(false);

	// n8n's own modules, which provide n8n-workflow to community nodes.
	const n8nModules = join(scratch, 'n8n', 'node_modules');
	mkdirSync(n8nModules, { recursive: true });
	symlinkSync(join(REPO, 'node_modules', 'n8n-workflow'), join(n8nModules, 'n8n-workflow'), 'dir');

	const installed = join(modules, PACKAGE);
	const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
		n8n: { nodes: string[]; credentials: string[] };
	};
	const load = `
		const path = require('path');
		const root = ${JSON.stringify(installed)};
		const named = (file) => { const exports = require(path.join(root, file)); return Object.values(exports)[0]; };
		const nodes = ${JSON.stringify(manifest.n8n.nodes)}.map((file) => new (named(file))().description.name);
		const credentials = ${JSON.stringify(manifest.n8n.credentials)}.map((file) => new (named(file))().name);
		const bottleneck = require.resolve('bottleneck', { paths: [root] });
		console.log(JSON.stringify({ nodes, credentials, bottleneck }));`;
	const env = { ...process.env, NODE_PATH: n8nModules };
	const loaded = JSON.parse(run(process.execPath, ['-e', load], scratch, env)) as {
		nodes: string[];
		credentials: string[];
		bottleneck: string;
	};
	expect(loaded.nodes).toEqual(['pinterestAudienceSync']);
	expect(loaded.credentials).toEqual(['pinterestOAuth2Api']);
	expect(loaded.bottleneck.startsWith(modules)).toBe(true);
});
