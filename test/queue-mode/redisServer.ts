/**
 * A throw-away Debian `redis-server` for the queue-mode tests: loopback only, a free port, no
 * persistence (`--save '' --appendonly no`), stopped by the test. Install it with `scripts/redis.sh install`.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { createServer } from 'net';

export interface RedisServer {
	host: string;
	port: number;
	/** redis://127.0.0.1:<port> */
	url: string;
	/** Kills the server at once (SIGKILL), like a crash. */
	kill(): Promise<void>;
	/** Stops it answering without closing connections (SIGSTOP) / lets it go on (SIGCONT). */
	pause(): void;
	resume(): void;
	stop(): Promise<void>;
}

export function redisServerAvailable(): boolean {
	return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

export async function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.on('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			const port = typeof address === 'object' && address ? address.port : 0;
			server.close(() => resolve(port));
		});
	});
}

function exited(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts redis-server on `port` (a free one by default) and waits until it accepts connections. */
export async function startRedisServer(
	port?: number,
	extraArgs: string[] = [],
): Promise<RedisServer> {
	if (!redisServerAvailable()) {
		throw new Error(
			'redis-server is not installed: run `bash scripts/redis.sh install` (Debian package redis-server).',
		);
	}
	const chosen = port ?? (await freePort());
	const child = spawn(
		'redis-server',
		[
			'--port',
			String(chosen),
			'--bind',
			'127.0.0.1',
			'--save',
			'',
			'--appendonly',
			'no',
			'--daemonize',
			'no',
			'--loglevel',
			'warning',
			...extraArgs,
		],
		{ stdio: ['ignore', 'pipe', 'pipe'] },
	);
	let output = '';
	child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
	await new Promise<void>((resolve, reject) => {
		const deadline = Date.now() + 15_000;
		const poll = (): void => {
			if (child.exitCode !== null) return reject(new Error(`redis-server exited: ${output}`));
			const ping = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(chosen), 'ping'], {
				encoding: 'utf8',
			});
			const answer = `${ping.stdout ?? ''}`.trim();
			if (answer === 'PONG' || answer.startsWith('NOAUTH')) return resolve();
			if (Date.now() > deadline)
				return reject(new Error(`redis-server did not start on ${chosen}: ${output}`));
			setTimeout(poll, 50);
		};
		poll();
	});
	const signal = (name: NodeJS.Signals): void => {
		if (child.exitCode === null && child.signalCode === null) child.kill(name);
	};
	return {
		host: '127.0.0.1',
		port: chosen,
		url: `redis://127.0.0.1:${chosen}`,
		kill: async () => {
			signal('SIGCONT');
			signal('SIGKILL');
			await exited(child);
		},
		pause: () => signal('SIGSTOP'),
		resume: () => signal('SIGCONT'),
		stop: async () => {
			signal('SIGCONT');
			signal('SIGTERM');
			await exited(child);
		},
	};
}
