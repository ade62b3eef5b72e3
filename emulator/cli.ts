#!/usr/bin/env node
/**
 * Standalone Pinterest API emulator.
 *
 *   pinterest-api-emulator [--port 8787] [--latency MS] [--jitter MS] [--writes-per-second N]
 *                          [--writes-per-minute N] [--max-records N] [--token-lifetime SEC]
 *                          [--min-audience-size N] [--client-id ID] [--client-secret SECRET] [--no-seed]
 */
import { startEmulator } from './index';
import type { EmulatorOptions } from './types';

const USAGE = `Usage: pinterest-api-emulator [options]
  --port N                 port on 127.0.0.1 (default 8787; 0 = random)
  --latency MS             fixed latency added to every API response (default 0)
  --jitter MS              plus uniform random 0..MS (default 0)
  --writes-per-second N    ads_write requests per user per sliding second (default 7; 0 = off)
  --writes-per-minute N    extra ads_write quota per user per sliding minute (default off)
  --max-records N          records per customer-list request (default 1900)
  --token-lifetime SEC     access-token lifetime (default 2592000)
  --min-audience-size N    members for READY / ACTALIKE seeds (default 100)
  --client-id ID           OAuth client id (default emulator-client-id)
  --client-secret SECRET   OAuth client secret (default emulator-client-secret)
  --no-seed                no demo audiences or customer lists
  --help`;

export class UsageError extends Error {}

export function parseArgs(argv: string[]): EmulatorOptions {
	const options: EmulatorOptions = { port: 8787 };
	const numeric: Record<string, keyof EmulatorOptions> = {
		'--port': 'port',
		'--latency': 'latencyMs',
		'--jitter': 'latencyJitterMs',
		'--writes-per-second': 'writesPerSecond',
		'--writes-per-minute': 'writesPerMinute',
		'--max-records': 'maxRecordsPerRequest',
		'--token-lifetime': 'accessTokenLifetimeSec',
		'--min-audience-size': 'audienceMinimumSize',
	};
	const text: Record<string, 'clientId' | 'clientSecret'> = {
		'--client-id': 'clientId',
		'--client-secret': 'clientSecret',
	};
	for (let i = 0; i < argv.length; i++) {
		let flag = argv[i];
		let value: string | undefined;
		const eq = flag.indexOf('=');
		if (flag.startsWith('--') && eq > 0) {
			value = flag.slice(eq + 1);
			flag = flag.slice(0, eq);
		}
		if (flag === '--no-seed') {
			options.seed = false;
			continue;
		}
		const key = numeric[flag] ?? text[flag];
		if (!key) throw new UsageError(`Unknown option ${flag}`);
		if (value === undefined) {
			value = argv[++i];
			if (value === undefined) throw new UsageError(`Missing value for ${flag}`);
		}
		if (numeric[flag]) {
			const n = Number(value);
			if (value.trim() === '' || !Number.isFinite(n) || n < 0)
				throw new UsageError(`${flag} needs a number >= 0`);
			(options as Record<string, unknown>)[key] = n;
		} else {
			(options as Record<string, unknown>)[key] = value;
		}
	}
	return options;
}

async function main(): Promise<void> {
	const argv = process.argv.slice(2);
	if (argv.includes('--help') || argv.includes('-h')) {
		process.stdout.write(`${USAGE}\n`);
		return;
	}
	let options: EmulatorOptions;
	try {
		options = parseArgs(argv);
	} catch (err: unknown) {
		process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
		process.exitCode = 2;
		return;
	}
	const emu = await startEmulator(options);
	const d = emu.demo;
	process.stdout.write(
		[
			`Pinterest API emulator listening on ${emu.url} (API base ${emu.apiBaseUrl})`,
			`  OAuth authorize URL: ${emu.url}/oauth/   token URL: ${emu.apiBaseUrl}/oauth/token`,
			`  Client ID:     ${d.clientId}`,
			`  Client secret: ${d.clientSecret}`,
			`  Access token:  ${d.accessToken}`,
			`  Refresh token: ${d.refreshToken}`,
			`  Demo user ${d.userId}, ad accounts ${d.adAccountId} (ACME Tools), ${d.bigAdAccountId} (ACME Big Account)`,
			`  Admin API: ${emu.url}/_emulator/ (log, stats, faults, reset, ...)`,
			'',
		].join('\n'),
	);
	let stopping = false;
	const stop = (): void => {
		if (stopping) return;
		stopping = true;
		emu.close().then(
			() => process.exit(0),
			() => process.exit(1),
		);
	};
	process.on('SIGINT', stop);
	process.on('SIGTERM', stop);
}

if (require.main === module) {
	main().catch((err: unknown) => {
		process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
		process.exit(1);
	});
}
