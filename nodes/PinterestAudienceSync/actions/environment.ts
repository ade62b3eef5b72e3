import type { IExecuteFunctions } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

import { CREDENTIAL_TYPE, apiBaseUrlFor } from '../transport';

/**
 * Refuses, before any Pinterest call, a credential whose environment has no audiences: Pinterest's
 * sandbox has neither audiences nor customer lists, and a Custom Base URL must be an address.
 */
export async function assertAudienceEnvironment(context: IExecuteFunctions): Promise<void> {
	const credentials = await context.getCredentials(CREDENTIAL_TYPE);
	if (credentials.environment === 'sandbox') {
		throw new NodeOperationError(
			context.getNode(),
			"Pinterest's sandbox has no audiences or customer lists",
			{
				description:
					'Audiences only exist in production Pinterest (or behind a Custom Base URL such as the bundled emulator). Change the environment of the Pinterest credential.',
			},
		);
	}
	if (
		credentials.environment === 'custom' &&
		!/^https?:\/\/[^/]+/.test(apiBaseUrlFor(credentials))
	) {
		throw new NodeOperationError(
			context.getNode(),
			'The Pinterest credential has no valid Custom Base URL',
			{
				description:
					'Enter an address such as http://127.0.0.1:8787 in the credential, or choose the Production environment.',
			},
		);
	}
}
