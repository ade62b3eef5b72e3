/**
 * Pinterest API v5 emulator: public API.
 *
 *   const emu = await startEmulator({ writesPerSecond: 7 });
 *   // API base: emu.apiBaseUrl, demo credentials: emu.demo
 *   await emu.close();
 */
import { createAdminRoutes, EmulatorNotFoundError } from './admin';
import { createApiRoutes, type ApiRoute } from './api';
import { FaultList } from './faults';
import { RequestLog } from './log';
import { createOAuthRoutes, type OAuthHandler } from './oauth';
import { RateLimiter } from './rateLimit';
import { Router } from './router';
import {
	BIG_AD_ACCOUNT_ID,
	DEMO_ACCESS_TOKEN,
	DEMO_AD_ACCOUNT_ID,
	DEMO_REFRESH_TOKEN,
	DEMO_USER_ID,
	SECOND_ACCESS_TOKEN,
	SECOND_REFRESH_TOKEN,
	SECOND_USER_AD_ACCOUNT_ID,
	SECOND_USER_ID,
	seed,
} from './seed';
import { EmulatorServer, type AdminHandler } from './server';
import { PinterestState } from './state';
import { TokenStore } from './tokens';
import type {
	Audience,
	CustomerList,
	DemoInfo,
	Emulator,
	EmulatorOptions,
	EmulatorStats,
	FaultSpec,
	RequestLogEntry,
	ResolvedEmulatorOptions,
	TokenPair,
} from './types';

export * from './types';
export { EmulatorNotFoundError } from './admin';
export { hashedEmail } from './seed';
export {
	BIG_AD_ACCOUNT_ID,
	BIG_ACCOUNT_SEGMENTS,
	DEMO_ACCESS_TOKEN,
	DEMO_AD_ACCOUNT_ID,
	DEMO_REFRESH_TOKEN,
	DEMO_USER_ID,
	SECOND_ACCESS_TOKEN,
	SECOND_REFRESH_TOKEN,
	SECOND_USER_AD_ACCOUNT_ID,
	SECOND_USER_ID,
} from './seed';
export { RATE_LIMIT_MESSAGE } from './errors';

export const DEFAULT_OPTIONS: Readonly<ResolvedEmulatorOptions> = Object.freeze({
	port: 0,
	latencyMs: 0,
	latencyJitterMs: 0,
	writesPerSecond: 7,
	writesPerMinute: 0,
	readsPerMinute: 1000,
	requestsPerSecond: 100,
	sendRetryAfter: true,
	maxRecordsPerRequest: 1900,
	accessTokenLifetimeSec: 2_592_000,
	clientId: 'emulator-client-id',
	clientSecret: 'emulator-client-secret',
	audienceMinimumSize: 100,
	processingDelayMs: 0,
	seed: true,
	demoUserId: DEMO_USER_ID,
});

export function resolveOptions(options: EmulatorOptions = {}): ResolvedEmulatorOptions {
	const resolved: ResolvedEmulatorOptions = { ...DEFAULT_OPTIONS };
	for (const key of Object.keys(options) as Array<keyof EmulatorOptions>) {
		const value = options[key];
		if (value !== undefined) (resolved as unknown as Record<string, unknown>)[key] = value;
	}
	return resolved;
}

class PinterestEmulator implements Emulator {
	url = '';
	apiBaseUrl = '';
	readonly options: ResolvedEmulatorOptions;
	readonly demo: DemoInfo;
	private readonly state: PinterestState;
	private readonly tokens = new TokenStore();
	private readonly requestLog = new RequestLog();
	private readonly faults = new FaultList();
	private readonly limiter: RateLimiter;
	readonly server: EmulatorServer;
	private closed: Promise<void> | null = null;

	constructor(options: ResolvedEmulatorOptions) {
		this.options = options;
		this.state = new PinterestState(options);
		this.limiter = new RateLimiter(options);
		this.demo = {
			userId: options.demoUserId,
			secondUserId: SECOND_USER_ID,
			accessToken: DEMO_ACCESS_TOKEN,
			refreshToken: DEMO_REFRESH_TOKEN,
			secondAccessToken: SECOND_ACCESS_TOKEN,
			secondRefreshToken: SECOND_REFRESH_TOKEN,
			clientId: options.clientId,
			clientSecret: options.clientSecret,
			adAccountId: DEMO_AD_ACCOUNT_ID,
			bigAdAccountId: BIG_AD_ACCOUNT_ID,
			secondUserAdAccountId: SECOND_USER_AD_ACCOUNT_ID,
		};
		seed(this.state, this.tokens, options);
		this.server = new EmulatorServer({
			options,
			log: this.requestLog,
			tokens: this.tokens,
			limiter: this.limiter,
			faults: this.faults,
			api: new Router<ApiRoute>(createApiRoutes(this.state, options)),
			oauth: new Router<OAuthHandler>(
				createOAuthRoutes(this.state, this.tokens, options, options.demoUserId),
			),
			admin: new Router<AdminHandler>(createAdminRoutes(this)),
		});
	}

	async start(): Promise<void> {
		const port = await this.server.listen(this.options.port);
		this.url = `http://127.0.0.1:${port}`;
		this.apiBaseUrl = `${this.url}/v5`;
	}

	get log(): RequestLogEntry[] {
		return this.requestLog.entries;
	}

	issueTokens(userId: string, opts: { lifetimeSec?: number; expired?: boolean } = {}): TokenPair {
		if (!this.state.users.has(userId)) throw new EmulatorNotFoundError(`Unknown user ${userId}`);
		return this.tokens.issue(userId, opts.lifetimeSec ?? this.options.accessTokenLifetimeSec, {
			expired: opts.expired,
		}).pair;
	}

	addFault(f: FaultSpec): void {
		this.faults.add(f);
	}

	clearFaults(): void {
		this.faults.clear();
	}

	revokeTokens(userId?: string): void {
		this.tokens.revoke(userId);
	}

	expireAccessTokens(userId?: string): void {
		this.tokens.expireAccess(userId);
	}

	deleteAudience(adAccountId: string, audienceId: string): void {
		const aud = this.state.audience(adAccountId, audienceId);
		if (!aud)
			throw new EmulatorNotFoundError(
				`Unknown audience ${audienceId} in ad account ${adAccountId}`,
			);
		this.state.removeAudience(aud);
	}

	shareAudience(adAccountId: string, audienceId: string, recipientAdAccountId: string): void {
		const aud = this.state.audience(adAccountId, audienceId);
		if (!aud)
			throw new EmulatorNotFoundError(
				`Unknown audience ${audienceId} in ad account ${adAccountId}`,
			);
		if (!this.state.adAccount(recipientAdAccountId))
			throw new EmulatorNotFoundError(`Unknown ad account ${recipientAdAccountId}`);
		this.state.shareAudience(aud, recipientAdAccountId);
	}

	setCustomerListExceptions(
		adAccountId: string,
		customerListId: string,
		exceptions: Record<string, unknown>,
	): void {
		const list = this.state.customerList(adAccountId, customerListId);
		if (!list)
			throw new EmulatorNotFoundError(
				`Unknown customer list ${customerListId} in ad account ${adAccountId}`,
			);
		list.exceptions = { ...exceptions };
	}

	deleteAdAccount(adAccountId: string): void {
		if (!this.state.deleteAdAccount(adAccountId))
			throw new EmulatorNotFoundError(`Unknown ad account ${adAccountId}`);
	}

	setLatency(ms: number, jitterMs = 0): void {
		this.options.latencyMs = ms;
		this.options.latencyJitterMs = jitterMs;
	}

	maxWritesInAnyWindow(userId?: string, windowMs = 1000): number {
		return this.limiter.maxWritesInAnyWindow(userId, windowMs);
	}

	largestRequestRecords(): number {
		return this.requestLog.largestRequestRecords();
	}

	listRecords(adAccountId: string, customerListId: string): ReadonlySet<string> {
		const list = this.state.customerList(adAccountId, customerListId);
		if (!list)
			throw new EmulatorNotFoundError(
				`Unknown customer list ${customerListId} in ad account ${adAccountId}`,
			);
		return new Set(list.members);
	}

	findCustomerLists(adAccountId: string, name?: string): CustomerList[] {
		return this.state
			.customerListsOf(adAccountId)
			.filter((l) => name === undefined || l.name === name)
			.map((l) => {
				this.state.settleList(l);
				return this.state.renderCustomerList(l);
			});
	}

	findAudiences(adAccountId: string, name?: string): Audience[] {
		return this.state
			.audiencesOf(adAccountId)
			.filter((a) => name === undefined || a.name === name)
			.map((a) => this.state.renderAudience(a));
	}

	tokenRequests(): RequestLogEntry[] {
		return this.log.filter((e) => e.path === '/v5/oauth/token');
	}

	stats(): EmulatorStats {
		const perUser: Record<string, number> = {};
		for (const u of this.limiter.usersWithWrites())
			perUser[u] = this.limiter.maxWritesInAnyWindow(u);
		const byStatus: Record<string, number> = {};
		const byCategory: Record<string, number> = {};
		let total = 0;
		for (const e of this.log) {
			byCategory[e.category] = (byCategory[e.category] ?? 0) + 1;
			if (e.category === 'admin') continue;
			total++;
			byStatus[String(e.status)] = (byStatus[String(e.status)] ?? 0) + 1;
		}
		return {
			maxWritesInAnyWindow: perUser,
			maxWritesInAnyWindowOverall: this.limiter.maxWritesInAnyWindow(),
			largestRequestRecords: this.largestRequestRecords(),
			totalRequests: total,
			requestsByStatus: byStatus,
			requestsByCategory: byCategory,
		};
	}

	reset(): void {
		this.state.clear();
		this.tokens.clear();
		this.faults.clear();
		this.limiter.reset();
		this.requestLog.clear();
		seed(this.state, this.tokens, this.options);
	}

	close(): Promise<void> {
		if (!this.closed) this.closed = this.server.close();
		return this.closed;
	}
}

export async function startEmulator(options?: EmulatorOptions): Promise<Emulator> {
	const emu = new PinterestEmulator(resolveOptions(options));
	await emu.start();
	return emu;
}
