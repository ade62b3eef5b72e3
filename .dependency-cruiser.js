/**
 * The import rules of nodes/ and credentials/ (`npm run lint`): no value-import cycle anywhere, and the
 * engine's folders import each other one way only, through each folder's index (see
 * nodes/PinterestAudienceSync/engine/README.md for the map).
 */
const ENGINE = '^nodes/PinterestAudienceSync/engine/';
/** Each engine folder, with the folders it may import. */
const BELOW_SYNC = [
	'pinterest',
	'coordination',
	'users',
	'rateLimit',
	'requests',
	'messages',
	'audience',
	'mirror',
];
const LAYERS = {
	pinterest: [],
	coordination: [],
	users: [],
	rateLimit: ['pinterest', 'coordination'],
	requests: ['pinterest', 'coordination', 'rateLimit'],
	messages: ['pinterest', 'coordination', 'requests'],
	audience: ['pinterest', 'coordination', 'rateLimit', 'requests', 'users'],
	mirror: ['pinterest', 'coordination', 'users'],
	sync: BELOW_SYNC,
	runtime: [...BELOW_SYNC, 'sync'],
};

const layerRules = Object.entries(LAYERS).map(([folder, allowed]) => ({
	name: `engine-${folder}-imports-one-way`,
	comment: `engine/${folder} may import only: ${allowed.join(', ') || 'no other engine folder'}`,
	severity: 'error',
	from: { path: `${ENGINE}${folder}/` },
	to: {
		path: ENGINE,
		pathNot: [`${ENGINE}(${[folder, ...allowed].join('|')})/`],
	},
}));

module.exports = {
	forbidden: [
		{
			name: 'no-value-import-cycle',
			comment: 'A cycle of value imports works only by the luck of load order.',
			severity: 'error',
			from: {},
			to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
		},
		{
			name: 'engine-imports-no-n8n',
			comment: 'The engine is plain TypeScript: testable and benchmarkable without n8n.',
			severity: 'error',
			from: { path: ENGINE },
			to: { path: ['^node_modules/n8n-', '^nodes/PinterestAudienceSync/(?!engine/)'] },
		},
		{
			name: 'engine-folders-through-their-index',
			comment: 'Another folder is reached through its index.ts, its public face.',
			severity: 'error',
			from: { path: `${ENGINE}([^/]+)/` },
			to: { path: `${ENGINE}(?!$1/)[^/]+/(?!index\\.ts$)` },
		},
		{
			name: 'node-reaches-engine-through-indexes',
			comment: 'The node layer imports an engine folder through its index.ts.',
			severity: 'error',
			from: { path: '^nodes/PinterestAudienceSync/(?!engine/)' },
			to: { path: `${ENGINE}[^/]+/(?!index\\.ts$)` },
		},
		...layerRules,
	],
	options: {
		doNotFollow: { path: 'node_modules' },
		tsPreCompilationDeps: true,
		tsConfig: { fileName: 'tsconfig.json' },
		exclude: { path: '^(dist|test|emulator|benchmarks|scripts)/' },
	},
};
