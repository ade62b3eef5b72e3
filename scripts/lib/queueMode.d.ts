/** Types of scripts/lib/queueMode.js (real n8n in queue mode: main + workers, Redis, PostgreSQL). */
import type { Emulator } from '../../emulator';
import type { N8nInstance } from './n8n';
import type { N8nCredential } from './workflows';

export declare const WRITES_PER_SECOND: number;
/** 7 writes/s × 1,900 records: users per second one Pinterest user can reach. */
export declare const CEILING_USERS_PER_SECOND: number;

export interface QueueModeOptions {
	/** n8n version (default 2.8.4). */
	version?: string;
	/** Worker processes (default 2). */
	workers?: number;
	/** Imported before the server starts. */
	credentials: N8nCredential[];
	/** Imported and published before the server starts. */
	workflows: Array<{ id: string }>;
	/** Extra environment for main and workers. */
	env?: Record<string, string>;
	onProgress?: (line: string) => void;
}

export interface QueueModeStack {
	scratch: string;
	/** n8n's Redis, with persistence (AOF): `kill()` is a SIGKILL, `restart()` starts it again on its port. */
	redis: { host: string; port: number; kill(): Promise<void>; restart(): Promise<void> };
	postgres: {
		host: string;
		port: number;
		user: string;
		database: string;
		query(sql: string): string[][];
	};
	n8n: N8nInstance;
	/** `<N8N_USER_FOLDER>/.n8n/nodes/node_modules/<package name>` */
	packageDir: string;
	/** `kill()`: SIGKILL to the worker's process group (a worker that dies). */
	workers: Array<{ index: number; logFile: string; kill(): void }>;
	/** Stops everything (workers, n8n, PostgreSQL, Redis) and removes the scratch folder. */
	stop(): Promise<void>;
}

/** `npm pack` → unpack into `<n8nFolder>/nodes/node_modules/<name>` → `npm install` as Community Nodes does. */
export declare function installPackedPackage(n8nFolder: string, scratch: string): Promise<string>;
export declare function startQueueMode(o: QueueModeOptions): Promise<QueueModeStack>;

export interface ScenarioOptions {
	emu: Emulator;
	stack: QueueModeStack;
	workflowId: string;
	webhookPath: string;
	/** Audience names; execution i uses names[i % names.length]. */
	names: string[];
	executions: number;
	usersPerExecution: number;
	/** Makes the users of this scenario distinct from other scenarios'. */
	prefix: string;
	/** Expire the Pinterest user's access tokens once this many writes reached the emulator (when 2+ are in flight). */
	expireAfterWrites?: number;
	timeoutMs?: number;
	/** Callers call again after a non-2xx answer or none, at most this many times (default 0). */
	retries?: number;
	/** Runs `action` once this many writes reached the emulator; what it returns joins `disruption` (`backAt`: when it ended, the emulator's clock). */
	disrupt?: { afterWrites: number; action: () => Promise<{ backAt?: number } | void> };
	/** Calls the webhook at `webhookPath` once per body, all at once, when this many writes reached the emulator. */
	beside?: { afterWrites: number; webhookPath: string; bodies: object[] };
}

export interface Recovery {
	/** From the disruption (its end: `backAt`) to the next write arriving. */
	firstAfterMs?: number;
	/** From it to the 7th write of the first second after it holding 7 (undefined: never). */
	backAfterMs?: number;
	/** Writes per second from 3 s after it to the last write. */
	perSecondAfter3s?: number;
}

export interface ScenarioResult {
	/** The answers of the calls made beside the syncs (`beside`), in order; empty without. */
	besideAnswers: Array<{ status: number; body: any; tries: number[] }>;
	/** The webhook answer of each call, after its retries (status 0: no answer); `tries`: every answer's status. */
	answers: Array<{ status: number; body: any; tries: number[] }>;
	disruption?: Recovery & { afterWrites: number; at: number; backAt?: number };
	/** `execution_entity.status` of the finished executions of the workflow. */
	executionStatuses: string[];
	/** Executions of this scenario each worker started (from the workers' logs). */
	executionsPerWorker: number[];
	perName: Record<string, { audiences: number; customerLists: number }>;
	users: number;
	/** Users not in (the customer list of) an audience named as their execution said. */
	missingUsers: number;
	writes: {
		total: number;
		accepted: number;
		/** Writes that passed authentication (accepted or refused with 429) in any 1 s window. */
		mostInAnySecond: number;
		unauthorized: number;
	};
	/** Every write of the scenario: arrival after the first write, answer time, status, records. */
	writeTimeline: Array<{ atMs: number; ms: number; status: number; records: number }>;
	/** 429 answers to any API request of the scenario. */
	tooManyRequests: number;
	/** POST /v5/oauth/token requests. */
	tokenRequests: number;
	expiry?: { afterWrites: number; writesInFlight: number };
	/** Users / (last accepted write answered − first accepted write arrived). */
	usersPerSecond: number;
	ceilingFraction: number;
	/** The accepted writes over whole windows of 7, as a fraction of 7 a second (see `sustainedRatio`). */
	sustainedFraction: number | undefined;
	wallSeconds: number;
}

export declare function runScenario(o: ScenarioOptions): Promise<ScenarioResult>;
/** Executions each worker started, from the workers' logs. */
export declare function executionsPerWorker(stack: QueueModeStack): number[];
/** Human-readable lines with every figure of a scenario. */
export declare function describeScenario(r: ScenarioResult): string[];
/**
 * The expectations a scenario missed (empty: all met): executions answered 200 and saved as succeeded,
 * every worker ran some,
 * one audience and one list per name, no user missing, ≤ 7 writes in any second, no 429, and exactly
 * `tokenRequests` token requests.
 */
export declare function unmetExpectations(
	r: ScenarioResult,
	expected: { executions: number; tokenRequests: number },
): string[];
export declare function mostInAnyWindow(times: number[], windowMs?: number): number;
/** The limiter's sustained rate over whole windows of 7 accepted writes, as a fraction of 7 a second. */
export declare function sustainedRatio(writes: Array<{ t: number }>): number | undefined;
/** How soon sorted write `arrivals` were back at full rate after `since` (the emulator's clock). */
export declare function recovery(arrivals: number[], since: number): Recovery;

/** What a run of the queue-mode e2e test wrote to benchmarks/RESULTS.md. */
export interface ResultsRun {
	/** YYYY-MM-DD */
	date: string;
	loadAverage: number[];
	version: string;
	postgresVersion: string;
	workers: number;
	executions: number;
	names: number;
	usersPerExecution: number;
	latencyMs: number;
	expireAfterWrites: number;
	scenarios: Array<{ title: string; result: ScenarioResult }>;
}
/** The `## Queue mode in real n8n <version>` section, between its marker comments. */
export declare function resultsSection(run: ResultsRun): string;
/** The section of n8n `version` in a RESULTS.md text, or ''; without a version, every version's section. */
export declare function extractResultsSection(text: string, version?: string): string;
/** Replaces (or appends) the section of n8n `version` in `file`, keeping the rest of the file. */
export declare function writeResultsSection(file: string, section: string, version: string): void;
/** Version of the PostgreSQL binaries used, e.g. "15.18". */
export declare function postgresVersion(): string;
