/** Spawns worker child processes (plain `node`, TypeScript through `tsRegister.js`): `syncWorker.ts` by default. */
import { spawn } from 'child_process';
import { writeFileSync } from 'fs';
import { join } from 'path';
import type { WorkerInput, WorkerOutput } from './syncWorker';

export interface RunningWorker<Output = WorkerOutput> {
	/** Resolves once the worker loaded the engine and chose its limiter. */
	ready: Promise<void>;
	result: Promise<Output>;
	/** Sends `signal` to the worker (SIGKILL: a worker that dies mid-sync). */
	kill(signal: NodeJS.Signals): void;
}

/** The environment of a worker: the parent's, minus this package's own Redis switches, plus `env`. */
export function workerEnvironment(env: Record<string, string>): NodeJS.ProcessEnv {
	const base: NodeJS.ProcessEnv = { ...process.env };
	for (const name of Object.keys(base)) {
		if (
			name.startsWith('PINTEREST_AUDIENCE_SYNC_') ||
			name.startsWith('QUEUE_BULL_') ||
			name === 'EXECUTIONS_MODE'
		) {
			delete base[name];
		}
	}
	return { ...base, ...env };
}

export function spawnWorker<Output = WorkerOutput>(
	input: object,
	env: Record<string, string>,
	script = 'syncWorker.ts',
): RunningWorker<Output> {
	const child = spawn(
		process.execPath,
		['-r', join(__dirname, 'tsRegister.js'), join(__dirname, script), JSON.stringify(input)],
		{
			env: workerEnvironment(env),
			stdio: ['ignore', 'pipe', 'pipe'],
		},
	);
	let stdout = '';
	let stderr = '';
	let markReady: () => void = () => undefined;
	const ready = new Promise<void>((resolve) => (markReady = resolve));
	child.stdout.on('data', (chunk: Buffer) => {
		stdout += chunk.toString();
		if (stdout.includes('{"ready":true}')) markReady();
	});
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const result = new Promise<Output>((resolve, reject) => {
		child.on('error', reject);
		child.on('exit', (code) => {
			markReady();
			const last = stdout.trim().split('\n').pop() ?? '';
			if (code !== 0 || !/^[[{]/.test(last) || last.includes('"ready"')) {
				reject(new Error(`worker exited with ${code}: ${stderr || stdout}`));
				return;
			}
			resolve(JSON.parse(last) as Output);
		});
	});
	return { ready, result, kill: (signal) => child.kill(signal) };
}

/** The environment of an n8n worker in queue mode on the Redis at `port`. */
export function queueModeEnvironment(port: number): Record<string, string> {
	return {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(port),
	};
}

/** Starts one worker per input, waits until all loaded the engine, then lets them sync together. */
export async function runWorkersTogether<Output = WorkerOutput>(
	inputs: Array<WorkerInput | object>,
	env: Record<string, string>,
	startSignal: string,
	script = 'syncWorker.ts',
): Promise<Output[]> {
	const workers = inputs.map((input) =>
		spawnWorker<Output>({ ...input, startSignal }, env, script),
	);
	await Promise.all(workers.map((w) => w.ready));
	writeFileSync(startSignal, 'go');
	return Promise.all(workers.map((w) => w.result));
}

/** Most of `times` (ms) in any `windowMs`-long window (a window [t, t + windowMs) as the emulator counts). */
export function mostInAnyWindow(times: number[], windowMs = 1000): number {
	const sorted = [...times].sort((a, b) => a - b);
	let most = 0;
	let first = 0;
	for (let last = 0; last < sorted.length; last++) {
		while (sorted[last] - sorted[first] >= windowMs) first++;
		most = Math.max(most, last - first + 1);
	}
	return most;
}
