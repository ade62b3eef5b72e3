/**
 * Projects, each with its own npm script (README "Tests"):
 * - `unit` (`npm test`): engine, emulator, node against the running emulator. Node and npm only.
 * - `pacing` (`npm run test:pacing`): Pinterest's real 7 writes per second, judged by the emulator in
 *   real time (`*.pacing.test.ts`). Node and npm only; about a minute of mostly waiting.
 * - `queue-mode` (`npm run test:queue-mode`): the shared limiter on a real redis-server (`test/queue-mode/`
 *   and the Redis limiter's tests).
 * - `install` (`npm run test:install`): the README's installs of the packed package, also offline.
 * - `e2e` (`npm run test:e2e`): real n8n, and the editor in Chromium.
 * - `queue-mode-n8n` (`npm run test:queue-mode-n8n`): real n8n in queue mode with Redis and PostgreSQL.
 */
// Tests that start a real redis-server: the queue-mode folder, and the engine's `*.redis.test.ts`.
const QUEUE_MODE = ['<rootDir>/test/queue-mode/**/*.test.ts', '<rootDir>/test/**/*.redis.test.ts'];
const common = {
	preset: 'ts-jest',
	testEnvironment: '<rootDir>/test/helpers/environment.js',
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	// The build writes build/package.json; jest must not see it as a second copy of this package. A
	// project does not inherit this from the top level.
	modulePathIgnorePatterns: ['<rootDir>/dist/', '<rootDir>/build/'],
};
module.exports = {
	// Tests drive real servers (emulator, Redis, n8n) on a 2-core machine: budgets, not speed checks.
	testTimeout: 60_000,
	// Most of a run is waiting on real servers and timers, not CPU: two files at a time even on 2 cores
	// (jest's default there is one).
	maxWorkers: 2,
	projects: [
		{
			...common,
			displayName: 'unit',
			testMatch: ['<rootDir>/test/**/*.test.ts'],
			testPathIgnorePatterns: [
				'<rootDir>/test/e2e/',
				'<rootDir>/test/install/',
				'<rootDir>/test/queue-mode/',
				'\\.redis\\.test\\.ts$',
				'\\.pacing\\.test\\.ts$',
			],
		},
		{ ...common, displayName: 'pacing', testMatch: ['<rootDir>/test/**/*.pacing.test.ts'] },
		{
			...common,
			displayName: 'queue-mode',
			testMatch: QUEUE_MODE,
			globalSetup: '<rootDir>/test/queue-mode/requireRedis.js',
		},
		{ ...common, displayName: 'install', testMatch: ['<rootDir>/test/install/**/*.test.ts'] },
		{
			...common,
			displayName: 'e2e',
			testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
			testPathIgnorePatterns: ['<rootDir>/test/e2e/queueMode.test.ts'],
		},
		// Real n8n in queue mode (main + workers, Redis, PostgreSQL): its own run, see .ci/run.
		{
			...common,
			displayName: 'queue-mode-n8n',
			testMatch: ['<rootDir>/test/e2e/queueMode.test.ts'],
		},
	],
};
