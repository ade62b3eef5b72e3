import { createRequire } from 'node:module';

/**
 * The first n8n-core release whose `httpRequestWithAuthentication` honours the call's
 * `oauth2.tokenExpiredStatusCode` (n8n-core 2.11.1 and every 1.x refresh on any 401 whatever the call
 * passes; 2.14.1 through 2.41.1 refresh only on the status given).
 */
const FIRST_HONOURING = { major: 2, minor: 14 };

/** No HTTP answer has this status: a call that names it as "token expired" never refreshes. */
export const NO_REFRESH = { oauth2: { tokenExpiredStatusCode: 0 } };

/**
 * The version of n8n-core the running n8n loaded, read from n8n's own entry script (require.main), else
 * from where this file is (n8n's modules on NODE_PATH); undefined when neither finds it.
 */
function runningN8nCoreVersion(): string | undefined {
	for (const from of [require.main?.filename, __filename]) {
		if (!from) continue;
		try {
			return (createRequire(from)('n8n-core/package.json') as { version?: string }).version;
		} catch {
			// not resolvable from there: try the next place
		}
	}
	return undefined;
}

export function honoursTokenExpiredStatusCode(version: string | undefined): boolean {
	const match = /^(\d+)\.(\d+)\./.exec(version ?? '');
	if (!match) return false;
	const [major, minor] = [Number(match[1]), Number(match[2])];
	return (
		major > FIRST_HONOURING.major ||
		(major === FIRST_HONOURING.major && minor >= FIRST_HONOURING.minor)
	);
}

let detected: boolean | undefined;

/**
 * Whether a request can go through n8n's `httpRequestWithAuthentication` without ever refreshing the
 * token (with NO_REFRESH). Decided once per process; when the running n8n's version is unknown the
 * answer is no, so the node signs such requests with the stored token (sendWithStoredToken).
 */
export function n8nCanSendWithoutRefresh(): boolean {
	detected ??= honoursTokenExpiredStatusCode(runningN8nCoreVersion());
	return detected;
}
