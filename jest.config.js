/** Two projects: `unit` (engine, emulator, node against the running emulator) and `e2e` (real n8n). */
const common = {
	preset: 'ts-jest',
	testEnvironment: 'node',
	transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.test.json' }] },
};
module.exports = {
	// Tests drive real servers (emulator, Redis, n8n) on a 2-core machine: budgets, not speed checks.
	testTimeout: 60_000,
	// The build writes dist/package.json; jest must not see it as a second copy of this package.
	modulePathIgnorePatterns: ['<rootDir>/dist/'],
	projects: [
		{ ...common, displayName: 'unit', testMatch: ['<rootDir>/test/**/*.test.ts'], testPathIgnorePatterns: ['<rootDir>/test/e2e/'] },
		{ ...common, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
	],
};
