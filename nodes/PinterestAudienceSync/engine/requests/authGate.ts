import { PinterestApiError, classifyFailure } from '../pinterest';
import type { SharedLocks } from '../coordination';
import { InProcessLocks } from '../coordination';

type GateState = 'unverified' | 'open' | 'verifying';

/**
 * A request sent with refresh disabled found the token expired (401). It was not sent again here: the
 * caller sends it again through the gate — for a write, through the write limiter first, since the
 * second request counts at Pinterest like the first.
 */
export class TokenExpiredSendAgain extends Error {
	constructor(readonly lastError: unknown) {
		super('The access token expired; the request is sent again once the token is refreshed');
		this.name = 'TokenExpiredSendAgain';
	}
}

/** A request refused this many times in a row with an expired token gives up with Pinterest's 401. */
const MAX_SEND_AGAIN = 3;

/**
 * Serialises token refreshes for one credential across every execution — in the process, and with
 * Redis across every process on it (n8n workers).
 *
 * n8n refreshes an OAuth2 token only after a 401 and has no refresh lock across workers, while Pinterest
 * rotates refresh tokens: two requests refreshing at once make the second fail. So requests normally run
 * with refresh disabled; the first request of the process, and the first after any 401, runs alone with
 * refresh allowed, once every request in flight in the process has settled, and while it holds the
 * credential's shared lock (`locks`). A process that finds the token expired while another one is
 * refreshing waits for that lock; its own refresh-allowed request then reads the credential n8n just
 * stored (n8n reads the credential from its database for every request), finds the new token valid and
 * does not refresh again. Exactly one refresh per expiry, whatever the concurrency and the number of
 * workers. Every Pinterest call of the node goes through `run` (Sync Users, audience operations, list
 * searches).
 */
export class AuthGate {
	private state: GateState = 'unverified';
	private inFlight = 0;
	private waiters: Array<() => void> = [];

	constructor(
		private readonly lockKey = 'default',
		private readonly locks: SharedLocks = new InProcessLocks(),
	) {}

	/**
	 * Sends `call` once. A 401 with refresh disabled rejects with TokenExpiredSendAgain (see
	 * `sendAgainAfterExpiry`). With `probe` (a read allowed to refresh), the token is verified with the
	 * probe and `call` is only ever sent with refresh disabled: a write is then sent exactly once per
	 * attempt, while n8n's refresh path would send it twice (before and after refreshing).
	 */
	async run<T>(
		call: (allowTokenRefresh: boolean) => Promise<T>,
		probe?: () => Promise<unknown>,
	): Promise<T> {
		for (;;) {
			if (this.state === 'open') {
				this.inFlight++;
				try {
					return await call(false);
				} catch (error) {
					if (classifyFailure(error) !== 'authExpired') throw error;
					// Another request may be refreshing already; either way the next one goes through the gate.
					if (this.state === 'open') this.state = 'unverified';
					throw new TokenExpiredSendAgain(error);
				} finally {
					this.inFlight--;
					this.wake();
				}
			}
			if (this.state === 'unverified' && this.inFlight === 0) {
				this.state = 'verifying';
				try {
					if (probe) {
						await this.locks.run(`token:${this.lockKey}`, probe);
						this.state = 'open';
						continue;
					}
					const result = await this.locks.run(`token:${this.lockKey}`, () => call(true));
					this.state = 'open';
					return result;
				} catch (error) {
					// Only a request that reached Pinterest and was answered proves the token works.
					this.state =
						isAnsweredByPinterest(error) && classifyFailure(error) !== 'authExpired'
							? 'open'
							: 'unverified';
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

/**
 * Runs `attempt` (which sends through the gate) again after a TokenExpiredSendAgain, up to a bound; the
 * last 401 is then thrown as it is.
 */
export async function sendAgainAfterExpiry<T>(attempt: () => Promise<T>): Promise<T> {
	for (let tries = 1; ; tries++) {
		try {
			return await attempt();
		} catch (error) {
			if (!(error instanceof TokenExpiredSendAgain)) throw error;
			if (tries >= MAX_SEND_AGAIN) throw error.lastError;
		}
	}
}

function isAnsweredByPinterest(error: unknown): boolean {
	return error instanceof PinterestApiError && error.status !== undefined;
}

/** One gate per n8n credential for the whole process; `locks` span the processes that share it. */
export class AuthGates {
	private readonly gates = new Map<string, AuthGate>();

	constructor(private readonly locks: SharedLocks) {}

	gateFor(credentialKey: string): AuthGate {
		let gate = this.gates.get(credentialKey);
		if (!gate) {
			gate = new AuthGate(credentialKey, this.locks);
			this.gates.set(credentialKey, gate);
		}
		return gate;
	}
}
