/** Types of scripts/lib/n8n.js (real n8n for the demo, `npm run dev` and the e2e suite). */

export declare const DEFAULT_N8N_VERSION: string;
export declare const TEST_ENCRYPTION_KEY: string;

export interface N8nOwner {
	email: string;
	password: string;
	firstName: string;
	lastName: string;
}
/** owner@example.com / Emulator-Demo-1: the owner setupOwner() creates on local instances. */
export declare const DEFAULT_OWNER: Readonly<N8nOwner>;
/** A JSON request to a local server (no redirects; default 30 s timeout, keep-alive global agent). */
export declare function httpJson(
	method: string,
	url: string,
	body?: unknown,
	headers?: Record<string, string>,
	opts?: { timeoutMs?: number; agent?: import('node:http').Agent | false },
): Promise<{
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: any;
	text: string;
}>;
export declare const REPO_ROOT: string;

/** `${N8N_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/n8n-nodes-pinterest-audience-sync}` */
export declare function cacheDir(): string;
/** Install folder of `version`, or null when not (completely) installed. */
export declare function installedN8n(version: string): string | null;
/** Runs scripts/install-n8n.sh when `version` is missing; resolves to the install folder. */
export declare function ensureN8n(
	version: string,
	opts?: { onProgress?: (line: string) => void },
): Promise<string>;
/** A free TCP port on 127.0.0.1, never the same twice within one process. */
export declare function freePort(): Promise<number>;
/** Copies a complete build to `<target>/dist` (+ node_modules link); resolves to that dist folder. */
export declare function snapshotBuild(source: string, target: string): Promise<string>;
/** The run JSON printed by `n8n execute` (from the first line that is exactly `{`), or null. */
export declare function parseRunJson(stdout: string): N8nRun | null;

export interface ProcessResult {
	code: number;
	signal: string | null;
	stdout: string;
	stderr: string;
	timedOut: boolean;
}
export declare function runProcess(
	command: string,
	args: string[],
	opts?: {
		env?: NodeJS.ProcessEnv;
		cwd?: string;
		timeoutMs?: number;
		onStdoutLine?: (line: string) => void;
		onStderrLine?: (line: string) => void;
		stdio?: any[];
	},
): Promise<ProcessResult>;

export interface N8nInstanceOptions {
	/** Default DEFAULT_N8N_VERSION (2.8.4). */
	version?: string;
	/** Folder(s) for N8N_CUSTOM_EXTENSIONS (`;`-separated); default: a snapshot of `<repo>/dist`. */
	customExtensions?: string;
	/**
	 * Default true: copy `<repo>/dist` into the instance folder (with a link to the repo's node_modules),
	 * so a rebuild while n8n runs cannot break it. false: load `<repo>/dist` itself.
	 */
	snapshotBuild?: boolean;
	/** Use this install instead of ensureN8n(version). */
	installDir?: string;
	/** Fixed ports (default: free ones). */
	port?: number;
	brokerPort?: number;
	encryptionKey?: string;
	/** Extra environment for every n8n command of the instance. */
	env?: Record<string, string>;
	/** Progress lines of an install, if one is needed. */
	onProgress?: (line: string) => void;
}

/** What `n8n execute` prints: an IRun. Only the parts the harness reads are typed. */
export interface N8nRun {
	status?: string;
	finished?: boolean;
	mode?: string;
	data: {
		resultData: {
			runData: Record<string, N8nTaskData[]>;
			error?: N8nRunError;
			lastNodeExecuted?: string;
		};
	};
	[key: string]: unknown;
}
export interface N8nTaskData {
	executionStatus?: string;
	error?: N8nRunError;
	data?: { main: Array<N8nItem[] | null> };
	[key: string]: unknown;
}
export interface N8nItem {
	json: Record<string, any>;
	pairedItem?: { item: number; input?: number } | Array<{ item: number; input?: number }> | number;
	[key: string]: unknown;
}
export interface N8nRunError {
	message?: string;
	description?: string | null;
	name?: string;
	node?: { name: string; type: string };
	httpCode?: string;
	[key: string]: unknown;
}

export interface ExecuteResult {
	exitCode: number;
	/** Parsed run JSON; null when none was printed. */
	run: N8nRun | null;
	stdout: string;
	stderr: string;
	durationMs: number;
	timedOut: boolean;
}

export interface N8nInstance {
	version: string;
	installDir: string;
	/** Fresh temp folder (N8N_USER_FOLDER); n8n keeps its data in `<userFolder>/.n8n`. */
	userFolder: string;
	/** Environment used for every n8n command of this instance. */
	env: Record<string, string>;
	port: number;
	brokerPort: number;
	/** http://127.0.0.1:<port> */
	baseUrl: string;
	/** What N8N_CUSTOM_EXTENSIONS points at. */
	customExtensions: string;
	/** Server-mode log file. */
	logPath: string;
	/** Runs `n8n <args>` to completion. */
	cli(args: string[], opts?: { timeoutMs?: number }): Promise<ProcessResult>;
	/** `n8n import:credentials` of an array of `{ id, name, type, data }` (data as a plain object). */
	importCredentials(credentials: object[]): Promise<void>;
	/** `n8n import:workflow` of one workflow object or an array. */
	importWorkflow(workflow: object | object[]): Promise<void>;
	/** `n8n execute --id=<id> --rawOutput`. */
	execute(workflowId: string, opts?: { timeoutMs?: number }): Promise<ExecuteResult>;
	/** `n8n export:credentials --id=<id> --decrypted`: the credential with its decrypted `data`. */
	exportCredential(
		id: string,
	): Promise<{ id: string; name: string; type: string; data: Record<string, any> }>;
	/** `n8n start`; resolves once the editor is up and /healthz answers. */
	startServer(opts?: {
		timeoutMs?: number;
		onLogLine?: (line: string) => void;
	}): Promise<{ url: string }>;
	/** `POST /rest/owner/setup` on the running server; resolves with the owner and its auth cookie. */
	setupOwner(owner?: N8nOwner): Promise<N8nOwner & { cookie: string }>;
	/** Stops the server (SIGTERM, then SIGKILL), with its task runner. */
	stop(): Promise<void>;
	/** The process id of the running `n8n start` (the leader of its process group), if running. */
	serverPid(): number | undefined;
	/** stop() and delete the user folder (kept when N8N_E2E_KEEP=1). */
	cleanup(): Promise<void>;
}

export declare function createN8nInstance(options?: N8nInstanceOptions): Promise<N8nInstance>;
