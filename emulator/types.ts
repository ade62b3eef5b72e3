/**
 * Public types of the Pinterest API v5 emulator. The node, e2e and benchmark code import these;
 * keep the names stable.
 */

export interface EmulatorOptions {
	/** 0 = random free port (default 0). The host is always 127.0.0.1. */
	port?: number;
	/** Fixed latency added to every API response (default 0). */
	latencyMs?: number;
	/** Plus a uniform random 0..jitter ms (default 0). */
	latencyJitterMs?: number;
	/** ads_write limit per Pinterest user in any sliding 1000 ms window (default 7); 0 or Infinity = off. */
	writesPerSecond?: number;
	/** Optional extra ads_write quota per user per sliding 60 s window (default 0 = off). */
	writesPerMinute?: number;
	/** ads_read quota per user per sliding 60 s window (default 1000); 0 or Infinity = off. */
	readsPerMinute?: number;
	/** Universal limit: API requests per user per sliding 1000 ms window (default 100); 0 or Infinity = off. */
	requestsPerSecond?: number;
	/** Send `Retry-After` (integer seconds, >= 1) with emulator-generated 429s (default true). */
	sendRetryAfter?: boolean;
	/** More records than this in one customer-list create/PATCH -> 400 (default 1900). */
	maxRecordsPerRequest?: number;
	/** Access-token lifetime in seconds (default 2592000 = 30 days). */
	accessTokenLifetimeSec?: number;
	clientId?: string;
	clientSecret?: string;
	/** Members needed for READY (else TOO_SMALL), and for an ACTALIKE seed (default 100). */
	audienceMinimumSize?: number;
	/**
	 * How long a customer list stays PROCESSING (and a new audience INITIALIZING) after a write.
	 * The write response always says PROCESSING; the first read at least this many ms later settles
	 * the status (default 0 = the next read settles it).
	 */
	processingDelayMs?: number;
	/** Seed the demo audiences and customer lists (default true). Users, ad accounts and demo tokens always exist. */
	seed?: boolean;
	/**
	 * The demo user's ID (default '2783136121146311751'). Emulators with different IDs stand for
	 * different Pinterest users, each with its own write limit in the node (e.g. several at once in queue mode).
	 */
	demoUserId?: string;
}

export type ResolvedEmulatorOptions = Required<EmulatorOptions>;

export type RequestCategory = 'ads_read' | 'ads_write' | 'org_read' | 'oauth' | 'admin';

export interface RequestLogEntry {
	seq: number;
	/** Arrival time in ms (performance.timeOrigin + performance.now()). */
	t: number;
	method: string;
	/** Path without the query string. */
	path: string;
	/** HTTP status; 0 while in flight and for requests answered by a `reset`/`hang` fault. */
	status: number;
	/** Pinterest user owning the bearer token (for /oauth/token: the user the tokens belong to); never a token. */
	userId: string | null;
	category: RequestCategory;
	/** Records in a customer-list create/PATCH body (0 otherwise). */
	recordCount: number;
	durationMs: number;
}

export interface FaultSpec {
	method?: string;
	/** Substring of the path, or a RegExp source tested against the path (no query string). */
	path?: string;
	/** How many matching requests the fault applies to (default 1). */
	count?: number;
	/** How many matching requests pass unharmed before the fault applies (default 0). */
	skip?: number;
	/** For kind 'status' (default 500). */
	status?: number;
	/** Response body for kind 'status' (default `{code, message}` for the status). */
	body?: unknown;
	headers?: Record<string, string>;
	/** 'status' (default), 'reset' (socket destroyed, no response) or 'hang' (no response). */
	kind?: 'status' | 'reset' | 'hang';
	/** For 'hang': process the request normally but answer only after this many ms (default: never). */
	hangMs?: number;
	/**
	 * For 'status': the request takes effect as usual, then the fault's status answers it instead of the
	 * handler's answer, like an answer lost on its way back (default false: the request has no effect).
	 */
	applied?: boolean;
}

export type AudienceType = 'CUSTOMER_LIST' | 'VISITOR' | 'ENGAGEMENT' | 'ACTALIKE' | 'PERSONA';
export type AudienceStatus = 'READY' | 'INITIALIZING' | 'TOO_SMALL';
export type CustomerListStatus = 'PROCESSING' | 'READY' | 'TOO_SMALL' | 'UPLOADING';
export type UserListType = 'EMAIL' | 'IDFA' | 'MAID' | 'LR_ID' | 'DLX_ID' | 'HASHED_PINNER_ID';

/** `Account` as returned by GET /v5/user_account. */
export interface UserAccount {
	account_type: 'PINNER' | 'BUSINESS';
	id: string;
	username: string;
	profile_image: string;
	website_url: string;
	business_name: string | null;
	about: string;
	board_count: number | null;
	pin_count: number | null;
	follower_count: number | null;
	following_count: number | null;
	monthly_views: number | null;
}

/** `AdAccount` as returned by the API. */
export interface AdAccount {
	id: string;
	name: string;
	owner: { id: string; username: string };
	country: string;
	currency: string;
	permissions: string[];
	created_time: number | null;
	updated_time: number | null;
}

export type AudienceRule = Record<string, unknown>;

/** `Audience` as returned by the API. */
export interface Audience {
	id: string;
	ad_account_id: string;
	name: string;
	audience_type: AudienceType;
	description: string | null;
	rule: AudienceRule;
	size: number | null;
	status: AudienceStatus;
	type: 'audience';
	created_timestamp: number;
	updated_timestamp: number;
	created_by_company_name: string | null;
}

/** `CustomerList` as returned by the API. */
export interface CustomerList {
	id: string;
	ad_account_id: string;
	name: string;
	created_time: number;
	updated_time: number;
	num_batches: number;
	num_uploaded_user_records: number;
	num_removed_user_records: number;
	status: CustomerListStatus;
	type: 'customerlist';
	exceptions: Record<string, unknown>;
}

export interface Paginated<T> {
	items: T[];
	bookmark: string | null;
}

/** Token response of POST /v5/oauth/token: each refresh answers a new refresh token (rotation). */
export interface TokenResponse {
	access_token: string;
	refresh_token: string;
	response_type: 'authorization_code' | 'refresh_token';
	token_type: 'bearer';
	expires_in: number;
	refresh_token_expires_in: number;
	refresh_token_expires_at: number;
	scope: string;
}

export interface TokenPair {
	access_token: string;
	refresh_token: string;
}

export interface DemoInfo {
	userId: string;
	secondUserId: string;
	accessToken: string;
	refreshToken: string;
	secondAccessToken: string;
	secondRefreshToken: string;
	clientId: string;
	clientSecret: string;
	adAccountId: string;
	bigAdAccountId: string;
	secondUserAdAccountId: string;
}

export interface EmulatorStats {
	/** Per user: most accepted ads_write requests in any 1000 ms window. */
	maxWritesInAnyWindow: Record<string, number>;
	/** Most accepted ads_write requests of one user in any 1000 ms window, over all users. */
	maxWritesInAnyWindowOverall: number;
	largestRequestRecords: number;
	/** API and OAuth requests (admin requests excluded). */
	totalRequests: number;
	/** API and OAuth requests by status (0 = reset/hang fault or still in flight). */
	requestsByStatus: Record<string, number>;
	/** All requests by category, admin included. */
	requestsByCategory: Record<string, number>;
}

export interface Emulator {
	/** e.g. http://127.0.0.1:43123 (API base is `${url}/v5`). */
	url: string;
	apiBaseUrl: string;
	options: ResolvedEmulatorOptions;
	log: RequestLogEntry[];
	demo: DemoInfo;
	issueTokens(userId: string, opts?: { lifetimeSec?: number; expired?: boolean }): TokenPair;
	addFault(f: FaultSpec): void;
	clearFaults(): void;
	/** Revokes all tokens (access + refresh) of the user, or of everybody. */
	revokeTokens(userId?: string): void;
	/** Access tokens answer 401 code 2 from now on; refresh tokens keep working. */
	expireAccessTokens(userId?: string): void;
	deleteAudience(adAccountId: string, audienceId: string): void;
	/** Shares an audience with another ad account: it lists it with `ownership_type=RECEIVED`. */
	shareAudience(adAccountId: string, audienceId: string, recipientAdAccountId: string): void;
	/** Sets what the customer list reports as its errors (`exceptions`); {} clears them. */
	setCustomerListExceptions(
		adAccountId: string,
		customerListId: string,
		exceptions: Record<string, unknown>,
	): void;
	deleteAdAccount(adAccountId: string): void;
	setLatency(ms: number, jitterMs?: number): void;
	/** Accepted (non-429) ads_write requests by arrival time, most in any window; max over users if no userId. */
	maxWritesInAnyWindow(userId?: string, windowMs?: number): number;
	largestRequestRecords(): number;
	listRecords(adAccountId: string, customerListId: string): ReadonlySet<string>;
	findCustomerLists(adAccountId: string, name?: string): CustomerList[];
	findAudiences(adAccountId: string, name?: string): Audience[];
	tokenRequests(): RequestLogEntry[];
	stats(): EmulatorStats;
	reset(): void;
	close(): Promise<void>;
}
