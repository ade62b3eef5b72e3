/**
 * Runs tests on both behaviours of n8n's OAuth2 request path: the stand-in context behaves like that
 * n8n, and the node sees it as it would at run time (the n8n-core version it reads).
 */
import * as refreshControl from '../../nodes/PinterestAudienceSync/transport/refreshControl';
import type { N8nLine } from './n8nContext';
import { N8N_LINES, setModelledN8n } from './n8nContext';

/** `describe` once per n8n line, each modelling its line while it runs. */
export function describeOnEachN8nLine(define: (line: N8nLine) => void): void {
	describe.each(N8N_LINES)('%s', (line) => {
		let seen: jest.SpyInstance | undefined;
		beforeAll(() => {
			setModelledN8n(line);
			seen = jest
				.spyOn(refreshControl, 'n8nCanSendWithoutRefresh')
				.mockReturnValue(line === 'n8n-core 2.14 and later');
		});
		afterAll(() => {
			setModelledN8n(N8N_LINES[0]);
			seen?.mockRestore();
		});
		define(line);
	});
}
