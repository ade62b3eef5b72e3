/**
 * Whether holding a small execution's users back for coalescing can gain anything. The Flush Window is the
 * price of sharing a request, worth paying only when someone can share it:
 *
 * 1. Users that fill no full request wait only while another execution syncs to the same list at the same
 *    moment (still looking the audience up, waiting, or being sent); they then leave together, at the latest
 *    after the Flush Window or as soon as a request is full.
 * 2. An execution with nobody beside it is sent at once: a lone webhook call, a manual or scheduled run, and
 *    each iteration of Loop Over Items or of a sub-workflow per batch (it starts only after the previous one
 *    ended).
 * 3. An execution never waits for itself, and one that already sent to the list within the last Flush Window
 *    (the next round of a loop) never waits at all: it leaves at once and takes whoever waits along.
 */

interface Presence {
	flushWindowMs: number;
	/** Syncs of each execution under way towards the list. */
	running: Map<string, number>;
	/** When each execution last sent its users to the list, oldest first; kept for one flush window. */
	lastSent: Map<string, number>;
}

/**
 * The syncs under way towards each list (a key naming the list, the operation and the settings that make
 * executions share a dispatcher). Execution IDs are n8n's: the syncs of one execution are one party.
 */
export class Coalescing {
	private readonly presences = new Map<string, Presence>();

	/** Notes a sync of `executionId` towards `key` from its start; the returned function ends it. */
	join(key: string, executionId: string, flushWindowMs: number, now: number): () => void {
		this.forgetIdle(now);
		let presence = this.presences.get(key);
		if (!presence) {
			presence = { flushWindowMs, running: new Map(), lastSent: new Map() };
			this.presences.set(key, presence);
		}
		const { running } = presence;
		running.set(executionId, (running.get(executionId) ?? 0) + 1);
		let left = false;
		return () => {
			if (left) return;
			left = true;
			const count = (running.get(executionId) ?? 1) - 1;
			if (count > 0) running.set(executionId, count);
			else running.delete(executionId);
		};
	}

	/** Rules 1–3: whether the last, partial request of `executionId`'s users should wait for others. */
	worthWaiting(key: string, executionId: string, now: number): boolean {
		const presence = this.presences.get(key);
		if (!presence || presence.flushWindowMs <= 0) return false;
		forgetSentBefore(presence, now - presence.flushWindowMs);
		if (presence.lastSent.has(executionId)) return false;
		for (const other of presence.running.keys()) if (other !== executionId) return true;
		return false;
	}

	/** Notes that `executionId` handed its users for the list over at `now`. */
	sent(key: string, executionId: string, now: number): void {
		const presence = this.presences.get(key);
		if (!presence) return;
		presence.lastSent.delete(executionId);
		presence.lastSent.set(executionId, now);
		forgetSentBefore(presence, now - presence.flushWindowMs);
	}

	/** Lists nobody syncs to and nobody sent to within their flush window are forgotten. */
	private forgetIdle(now: number): void {
		for (const [key, presence] of this.presences) {
			if (presence.running.size > 0) continue;
			forgetSentBefore(presence, now - presence.flushWindowMs);
			if (presence.lastSent.size === 0) this.presences.delete(key);
		}
	}
}

function forgetSentBefore(presence: Presence, cutoff: number): void {
	for (const [executionId, at] of presence.lastSent) {
		if (at >= cutoff) break;
		presence.lastSent.delete(executionId);
	}
}
