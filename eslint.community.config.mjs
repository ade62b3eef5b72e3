/**
 * n8n's own rules for community nodes (`@n8n/eslint-plugin-community-nodes`, the preset n8n applies
 * to self-hosted packages), run as n8n's scanner runs them: `npm run lint:community` passes
 * --no-inline-config, so only the two exceptions below count, each with its reason and its test in
 * the README ("n8n's rules for community nodes"). eslint-plugin-n8n-nodes-base's rules stay in
 * .eslintrc.js.
 */
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';
import tsParser from '@typescript-eslint/parser';

const { recommendedWithoutN8nCloudSupport: preset } = n8nCommunityNodesPlugin.configs;

export default [
	{ ...preset, files: ['nodes/**/*.ts', 'credentials/**/*.ts', 'package.json'] },
	{
		files: ['**/*.ts', 'package.json'],
		languageOptions: { parser: tsParser, parserOptions: { extraFileExtensions: ['.json'] } },
	},
	{
		// The engine has no n8n import: its typed errors (PinterestApiError, …) pass through it and become
		// NodeApiError/NodeOperationError at the operation boundary.
		files: ['nodes/PinterestAudienceSync/engine/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
	{
		// Signs with the stored token, only on an n8n that cannot send without refreshing (see the file).
		files: ['nodes/PinterestAudienceSync/transport/storedToken.ts'],
		rules: { '@n8n/community-nodes/no-http-request-with-manual-auth': 'off' },
	},
];
