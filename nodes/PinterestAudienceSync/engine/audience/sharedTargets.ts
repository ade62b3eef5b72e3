import type { PinterestUserAccount } from '../pinterest';
import type { UserWriteLimiter } from '../rateLimit';
import type { CallEnvironment } from '../requests';
import { call } from '../requests';
import type { AudienceByName, ResolvedAudience } from './lookups';
import { findOrCreateByName } from './lookups';

const USER_CACHE_MS = 10 * 60_000;

/**
 * Concurrent callers with the same key share one lookup. A caller that joined a lookup which then
 * failed looks up once more itself: the failure may have been the other execution's own (cancelled, a
 * shorter retry window).
 */
async function sharedLookup<T>(
	running: Map<string, Promise<T>>,
	key: string,
	load: () => Promise<T>,
	joined = false,
): Promise<T> {
	const current = running.get(key);
	if (current) {
		if (joined) return await current;
		try {
			return await current;
		} catch {
			return await sharedLookup(running, key, load, true);
		}
	}
	const lookup = load();
	running.set(key, lookup);
	try {
		return await lookup;
	} finally {
		if (running.get(key) === lookup) running.delete(key);
	}
}

interface SharedTarget {
	lookup: Promise<ResolvedAudience>;
	resolved?: ResolvedAudience;
	/** Executions using it that have not finished yet. */
	users: number;
}

/**
 * What the executions of one process share about their targets, so that overlapping executions look
 * each thing up once: the Pinterest user behind a credential, each list's resolution, each creation by
 * name. Owned by the engine's runtime.
 */
export class AudienceTargets {
	private readonly pinterestUsers = new Map<string, { id: string; until: number }>();
	private readonly userLookups = new Map<string, Promise<string>>();
	private readonly sharedTargets = new Map<string, SharedTarget>();
	private readonly creations = new Map<string, Promise<ResolvedAudience>>();

	/** The Pinterest user behind a credential: the key of the shared rate limiter. */
	async pinterestUserOf(env: CallEnvironment, credentialKey: string): Promise<string> {
		const cached = this.pinterestUsers.get(credentialKey);
		if (cached && cached.until > Date.now()) return cached.id;
		// Many executions starting at once (a webhook per user) send one GET /user_account, not one each.
		return await sharedLookup(this.userLookups, credentialKey, async () => {
			const account = await call<PinterestUserAccount>(env, {
				method: 'GET',
				path: '/user_account',
			});
			this.pinterestUsers.set(credentialKey, { id: account.id, until: Date.now() + USER_CACHE_MS });
			return account.id;
		});
	}

	/**
	 * The audience (and its customer list) for an execution, resolved once for all executions that overlap
	 * in time: with a webhook per user, one lookup per execution would spend Pinterest's ads_read quota
	 * (1,000/min per user) and its universal 100 requests/s within seconds, and the 429s would then hit the
	 * writes too. An execution keeps the resolution alive until it calls `release` (its users settled); the
	 * first execution after all have finished looks up again, so an audience deleted between runs is
	 * noticed at once. Whoever joins gets `created: false` and no records sent on create. A lookup that
	 * fails is not shared further: whoever joined it tries once more itself.
	 */
	async sharedTarget(
		key: string,
		resolve: () => Promise<ResolvedAudience>,
		joined = false,
	): Promise<{ target: ResolvedAudience; release: () => void }> {
		const { sharedTargets } = this;
		const current = sharedTargets.get(key);
		const entry: SharedTarget = current ?? { lookup: resolve(), users: 0 };
		if (!current) sharedTargets.set(key, entry);
		entry.users++;
		let released = false;
		const release = (): void => {
			if (released) return;
			released = true;
			if (--entry.users === 0 && sharedTargets.get(key) === entry) sharedTargets.delete(key);
		};
		try {
			const target = await entry.lookup;
			entry.resolved = target;
			return {
				target: current ? { ...target, created: false, recordsSentOnCreate: 0 } : target,
				release,
			};
		} catch (error) {
			if (sharedTargets.get(key) === entry) sharedTargets.delete(key);
			release();
			if (!current || joined) throw error;
			return await this.sharedTarget(key, resolve, true);
		}
	}

	/** A write found the customer list gone (404) or forbidden (403): the next execution looks it up again. */
	forgetCustomerList(customerListId: string): void {
		for (const [key, entry] of this.sharedTargets) {
			if (entry.resolved?.customerListId === customerListId) this.sharedTargets.delete(key);
		}
	}

	/**
	 * Find-or-create of the customer list and its CUSTOMER_LIST audience by name. Re-runs find them again;
	 * concurrent executions in this process share one creation. Creates are not idempotent: when the answer
	 * to one is lost, Pinterest may have created the object anyway, so it is looked for before the create is
	 * sent again.
	 *
	 * Across processes (n8n workers on one Redis), the find-and-create runs under a lock per ad account and
	 * name (`locks`): whoever holds it looks the name up, and creates only if nothing is found; whoever
	 * waited looks up again once it holds the lock, and so finds what the first one created. One customer
	 * list and one audience per name, whichever workers run the executions.
	 */
	async findOrCreateAudience(
		env: CallEnvironment,
		limiter: UserWriteLimiter,
		args: AudienceByName,
	): Promise<ResolvedAudience> {
		const key = `${args.credentialKey}|${args.adAccountId}|${args.name}`;
		const running = this.creations.get(key);
		if (running) {
			const resolved = await running;
			return { ...resolved, created: false, recordsSentOnCreate: 0 };
		}
		const creation = args.locks.run(`audience:${args.adAccountId}:${args.name}`, () =>
			findOrCreateByName(env, limiter, args),
		);
		this.creations.set(key, creation);
		try {
			return await creation;
		} finally {
			this.creations.delete(key);
		}
	}
}
