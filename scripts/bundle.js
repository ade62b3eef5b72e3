'use strict';
/**
 * The package build (`npm run build`): the node and the credential, each bundled into one file under
 * dist/ with what they import (Bottleneck, the Redis client), so the package has no runtime
 * dependencies and installs without a registry. n8n-workflow stays external: n8n provides its own.
 * Also copies the node's codex file and writes dist/THIRD_PARTY_NOTICES.md with the licence of every
 * package the bundles contain (read from the esbuild metafile, so the list follows the code).
 */
const esbuild = require('esbuild');
const fs = require('node:fs');
const path = require('node:path');

const REPO_ROOT = path.resolve(__dirname, '..');
const DIST = path.join(REPO_ROOT, 'dist');
const pkg = require(path.join(REPO_ROOT, 'package.json'));

/** `dist/x.js` → `x.ts`: the manifest's files are the bundles' entry points. */
const entryPoints = [...pkg.n8n.nodes, ...pkg.n8n.credentials].map((file) =>
	path.join(REPO_ROOT, file.replace(/^dist\//, '').replace(/\.js$/, '.ts')),
);

const LICENCE_FILE = /^(licen[cs]e|copying)(\.(md|txt))?$/i;

/** The packages under node_modules that the bundles contain, from the metafile's inputs. */
function bundledPackages(metafile) {
	const roots = new Set();
	for (const input of Object.keys(metafile.inputs)) {
		const match = /(^|\/)node_modules\/((@[^/]+\/)?[^/]+)\//.exec(input);
		if (match) roots.add(input.slice(0, match.index + match[0].length - 1));
	}
	return [...roots]
		.map((dir) => {
			const absolute = path.join(REPO_ROOT, dir);
			const manifest = JSON.parse(fs.readFileSync(path.join(absolute, 'package.json'), 'utf8'));
			const licenceFile = fs.readdirSync(absolute).find((name) => LICENCE_FILE.test(name));
			if (!licenceFile) throw new Error(`${manifest.name} has no licence file to keep`);
			const text = fs.readFileSync(path.join(absolute, licenceFile), 'utf8').trim();
			return { name: manifest.name, version: manifest.version, license: manifest.license, text };
		})
		.sort((a, b) => a.name.localeCompare(b.name));
}

function notices(packages) {
	const sections = packages.map(
		(p) => `## ${p.name} ${p.version} (${p.license})\n\n\`\`\`\n${p.text}\n\`\`\`\n`,
	);
	return [
		'# Third-party notices',
		'',
		`${pkg.name} bundles the following packages into its dist/ files. Their licences follow.`,
		'',
		...sections,
	].join('\n');
}

async function main() {
	const { metafile } = await esbuild.build({
		entryPoints,
		outbase: REPO_ROOT,
		outdir: DIST,
		bundle: true,
		platform: 'node',
		format: 'cjs',
		target: `node${pkg.engines.node.replace(/^>=/, '').split('.')[0]}`,
		external: Object.keys(pkg.peerDependencies),
		metafile: true,
		logLevel: 'warning',
	});
	for (const file of pkg.n8n.nodes) {
		const codex = file.replace(/\.js$/, '.json');
		fs.copyFileSync(
			path.join(REPO_ROOT, codex.replace(/^dist\//, '')),
			path.join(REPO_ROOT, codex),
		);
	}
	fs.writeFileSync(path.join(DIST, 'THIRD_PARTY_NOTICES.md'), notices(bundledPackages(metafile)));
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
