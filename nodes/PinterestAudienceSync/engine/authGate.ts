import { PinterestApiError, classifyFailure } from './errors';

type GateState = 'unverified' | 'open' | 'verifying';

/**
 * Serialises token refreshes for one credential across every execution in the process.
 *
 * n8n refreshes an OAuth2 token only after a 401 and has no refresh lock, while Pinterest rotates refresh
 * tokens: two requests refreshing at once make the second fail. So requests normally run with refresh
 * disabled; the first request of the process, and the first after any 401, runs alone with refresh
 * allowed, once every request in flight has settled. Exactly one refresh per expiry, whatever the
 * concurrency.
 */
export class AuthGate {
	private state: GateState = 'unverified';
	private inFlight = 0;
	private waiters: Array<() => void> = [];

	async run<T>(call: (allowTokenRefresh: boolean) => Promise<T>): Promise<T> {
		for (;;) {
			if (this.state === 'open') {
				this.inFlight++;
				try {
					return await call(false);
				} catch (error) {
					if (classifyFailure(error) !== 'authExpired') throw error;
					// Another request may be refreshing already; either way this one goes again through the gate.
					if (this.state === 'open') this.state = 'unverified';
				} finally {
					this.inFlight--;
					this.wake();
				}
				continue;
			}
			if (this.state === 'unverified' && this.inFlight === 0) {
				this.state = 'verifying';
				try {
					const result = await call(true);
					this.state = 'open';
					return result;
				} catch (error) {
					// Only a request that reached Pinterest and was answered proves the token works.
					this.state = isAnsweredByPinterest(error) && classifyFailure(error) !== 'authExpired' ? 'open' : 'unverified';
					throw error;
				} finally {
					this.wake();
				}
			}
			await new Promise<void>((resolve) => this.waiters.push(resolve));
		}
	}

	private wake(): void {
		const waiters = this.waiters;
		this.waiters = [];
		for (const resolve of waiters) resolve();
	}
}

function isAnsweredByPinterest(error: unknown): boolean {
	return error instanceof PinterestApiError && error.status !== undefined;
}

const gates = new Map<string, AuthGate>();

/** One gate per n8n credential for the whole process. */
export function authGateFor(credentialKey: string): AuthGate {
	let gate = gates.get(credentialKey);
	if (!gate) {
		gate = new AuthGate();
		gates.set(credentialKey, gate);
	}
	return gate;
}
