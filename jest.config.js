/**
 * Projects: `unit` (engine, emulator, node against the running emulator), `e2e` (real n8n) and
 * `queue-mode-n8n` (real n8n in queue mode with Redis and PostgreSQL).
 */
const common = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
	// The build writes dist/package.json; jest must not see it as a second copy of this package.
	modulePathIgnorePatterns: ['<rootDir>/dist/'],
};
module.exports = {
	// Tests drive real servers (emulator, Redis, n8n) on a 2-core machine: budgets, not speed checks.
	testTimeout: 60_000,
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['<rootDir>/test/e2e/'] },
		{ ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'], testPathIgnorePatterns: ['<rootDir>/test/e2e/queueMode.test.ts'] },
		// Real n8n in queue mode (main + workers, Redis, PostgreSQL): its own run, see .ci/run.
		{ ...common, displayName: 'queue-mode-n8n', testMatch: ['<rootDir>/test/e2e/queueMode.test.ts'] },
	],
};
