/** Types of scripts/lib/workflows.js. */
import type { N8nItem, N8nRun, N8nRunError, N8nTaskData } from './n8n';

export declare const COMMUNITY_NODE_TYPE: 'n8n-nodes-pinterest-audience-sync.pinterestAudienceSync';
export declare const CUSTOM_NODE_TYPE: 'CUSTOM.pinterestAudienceSync';
export declare const CREDENTIAL_TYPE: 'pinterestOAuth2Api';
export declare const EXAMPLES_DIR: string;

export declare function hashEmail(email: string): string;

export interface EmulatorCredentialOptions {
	id: string;
	name: string;
	/** Emulator URL; its origin becomes the Custom Base URL. */
	baseUrl: string;
	clientId: string;
	clientSecret: string;
	accessToken: string;
	refreshToken: string;
	expiresIn?: number;
}
export interface N8nCredential {
	id: string;
	name: string;
	type: string;
	data: Record<string, any>;
}
export declare function emulatorCredential(o: EmulatorCredentialOptions): N8nCredential;
/** The credential of the emulator's seeded demo user (its ready token pair). */
export declare function demoCredential(
	emu: {
		url: string;
		demo: { clientId: string; clientSecret: string; accessToken: string; refreshToken: string };
	},
	o: { id: string; name: string },
): N8nCredential;

export declare const SYNC_NODE_NAME: 'Pinterest Audience Sync';
export interface SyncUsersWorkflowOptions {
	id: string;
	name: string;
	credential: { id: string; name: string };
	/** Body of the Code node that produces the users (returns an array of `{ json }`). */
	usersCode: string;
	/** Parameters of the Pinterest node, merged over operation/action/matchFields/emailValue defaults. */
	parameters: Record<string, unknown>;
	/** Default CUSTOM_NODE_TYPE (loaded from N8N_CUSTOM_EXTENSIONS); COMMUNITY_NODE_TYPE for a community install. */
	nodeType?: string;
	/** Node settings of the Pinterest node, e.g. `{ onError: 'continueRegularOutput' }`. */
	nodeSettings?: Record<string, unknown>;
}
/** Manual Trigger → Code (users) → Pinterest Audience Sync. */
export declare function syncUsersWorkflow(o: SyncUsersWorkflowOptions): any;
export interface QueueModeWorkflowOptions {
	id: string;
	name: string;
	/** A UUID: n8n registers the production webhook under it. */
	webhookId: string;
	webhookPath: string;
	credential: { id: string; name: string };
	adAccountId: string;
}
/** Webhook → Code (users from the body `{ prefix, count, list }`) → Pinterest Audience Sync (community node type, new audience `{{ $json.list }}`) → its Metrics output. */
export declare function queueModeWorkflow(o: QueueModeWorkflowOptions): any;
export interface ActalikeWorkflowOptions extends QueueModeWorkflowOptions {
	seedAudienceId: string;
}
/** Webhook → Pinterest Audience Sync creating the Actalike audience named by the body `{ name }` (US, 5 %). */
export declare function actalikeWorkflow(o: ActalikeWorkflowOptions): any;
/** Resource-locator value "By ID". */
export declare function byId(value: string): { __rl: true; mode: 'id'; value: string };

export interface LocalRunOptions {
	credential: { id: string; name: string };
	id?: string;
	name?: string;
	/** Sets the Ad Account (by ID) of every Pinterest node whose Ad Account is empty. */
	adAccountId?: string;
	/** Parameters to merge into Pinterest nodes, by node name. */
	parameters?: Record<string, Record<string, unknown>>;
}
/** Rewrites the community node type to CUSTOM.pinterestAudienceSync and injects the credential. */
export declare function forLocalRun<T = any>(workflow: T, o: LocalRunOptions): any;
/** Replaces Webhook/Schedule triggers by Manual Trigger → Code (same name as the trigger) emitting `items`. */
export declare function withManualTrigger(
	workflow: any,
	itemsByTrigger?: Record<string, Array<Record<string, unknown>>>,
): any;
/** Wait nodes become No Operation nodes (same name), for test runs. */
export declare function withoutWaits(workflow: any): any;
export declare function exampleNames(): string[];
/** The large-list template's name: it needs a running n8n (its pages run as sub-executions). */
export declare const LARGE_LIST_EXAMPLE: string;
export interface LargeListOptions {
	id: string;
	/** The webhook path that stands in for its schedule. */
	path: string;
	total: number;
	pages: number;
	/** Users are `<prefix><i>@example.com`. */
	prefix: string;
	credential: { id: string; name: string };
	adAccountId: string;
	/** Add Page to Audience's audience parameters. */
	audience: Record<string, unknown>;
}
/** The large-list template runnable in a running n8n: a Webhook for its schedule, `total` users in `pages` pages. */
export declare function largeListWorkflow(o: LargeListOptions): any;
export declare function loadExample(name: string): any;

export declare function nodeRun(run: N8nRun | null, nodeName: string): N8nTaskData | undefined;
export declare function nodeOutput(
	run: N8nRun | null,
	nodeName: string,
	outputIndex?: number,
): N8nItem[];
export declare function runError(run: N8nRun | null): N8nRunError | undefined;
export declare function metricsOf(
	run: N8nRun | null,
	nodeName: string,
): Record<string, any> | undefined;
