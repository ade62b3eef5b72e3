/** Spawns `syncWorker.ts` child processes (plain `node`, TypeScript through `tsRegister.js`). */
import { spawn } from 'child_process';
import { join } from 'path';
import type { WorkerInput, WorkerOutput } from './syncWorker';

export interface RunningWorker {
	/** Resolves once the worker loaded the engine and chose its limiter. */
	ready: Promise<void>;
	result: Promise<WorkerOutput>;
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

export function spawnWorker(input: WorkerInput, env: Record<string, string>): RunningWorker {
	const child = spawn(
		process.execPath,
		[
			'-r',
			join(__dirname, 'tsRegister.js'),
			join(__dirname, 'syncWorker.ts'),
			JSON.stringify(input),
		],
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
	const result = new Promise<WorkerOutput>((resolve, reject) => {
		child.on('error', reject);
		child.on('exit', (code) => {
			markReady();
			const last = stdout.trim().split('\n').pop() ?? '';
			if (code !== 0 || !last.startsWith('{') || last.includes('"ready"')) {
				reject(new Error(`worker exited with ${code}: ${stderr || stdout}`));
				return;
			}
			resolve(JSON.parse(last) as WorkerOutput);
		});
	});
	return { ready, result };
}
