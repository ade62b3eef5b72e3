import type Redis from 'ioredis';

import { RedisLimiterUnavailable } from '../coordination';

function errorText(error: unknown): string {
	if (error instanceof Error) {
		const code = (error as { code?: unknown }).code;
		const text = error.message || error.name;
		return typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
	}
	return String(error);
}

export interface PendingCall {
	fail(error: RedisLimiterUnavailable): void;
}

/**
 * Watches the shared connection and holds every write waiting for Redis, so an outage fails them all
 * within `unavailableAfterMs` instead of leaving them waiting on Bottleneck forever.
 */
export class RedisHealth {
	private readonly pending = new Set<PendingCall>();
	private downSince: number | undefined = Date.now();
	private timer: ReturnType<typeof setTimeout> | undefined;
	private lastError: string | undefined;

	constructor(
		private readonly clients: Redis[],
		readonly endpoint: string,
		readonly unavailableAfterMs: number,
		private readonly settingsHint: string,
	) {
		for (const client of clients) {
			for (const event of ['ready', 'close', 'reconnecting', 'end'])
				client.on(event, () => this.update());
			client.on('error', (error: unknown) => {
				this.lastError = errorText(error);
			});
		}
		this.update();
	}

	/** Registers a waiting write; returns the error to fail with at once when Redis is known to be down. */
	admit(call: PendingCall): RedisLimiterUnavailable | undefined {
		if (this.downSince !== undefined && Date.now() - this.downSince >= this.unavailableAfterMs) {
			return this.unreachable();
		}
		this.pending.add(call);
		this.arm();
		return undefined;
	}

	isUp(): boolean {
		return this.downSince === undefined;
	}

	release(call: PendingCall): void {
		this.pending.delete(call);
	}

	/** A command of the shared locks failed: said like the limiter's own failures. */
	lockCommandFailed(error: unknown): RedisLimiterUnavailable {
		if (this.isUp()) return this.commandFailed(error);
		const failure = this.unreachable();
		this.failAll(failure);
		return failure;
	}

	/** A Bottleneck command failed or timed out: Redis is not usable right now. */
	commandFailed(error: unknown): RedisLimiterUnavailable {
		if (error instanceof RedisLimiterUnavailable) return error;
		const failure = new RedisLimiterUnavailable(
			`Redis at ${this.endpoint} did not answer Pinterest Audience Sync's shared rate limiter (${errorText(error)}; each command may take at most ${this.seconds()}). ${this.consequence()} Check that Redis at ${this.endpoint} is healthy (not overloaded, out of memory or paused) and reachable from every n8n worker${this.settingsHint}.`,
			this.endpoint,
		);
		this.failAll(failure);
		return failure;
	}

	private update(): void {
		if (this.clients.every((client) => client.status === 'ready')) {
			this.downSince = undefined;
			this.lastError = undefined;
			if (this.timer) clearTimeout(this.timer);
			this.timer = undefined;
		} else if (this.downSince === undefined) {
			this.downSince = Date.now();
			this.arm();
		}
	}

	private arm(): void {
		if (this.timer || this.downSince === undefined || this.pending.size === 0) return;
		const left = this.downSince + this.unavailableAfterMs - Date.now();
		this.timer = setTimeout(
			() => {
				this.timer = undefined;
				if (this.downSince === undefined) return;
				if (Date.now() - this.downSince >= this.unavailableAfterMs)
					this.failAll(this.unreachable());
				else this.arm();
			},
			Math.max(0, left),
		);
		this.timer.unref?.();
	}

	private failAll(error: RedisLimiterUnavailable): void {
		const calls = [...this.pending];
		this.pending.clear();
		for (const call of calls) call.fail(error);
	}

	private unreachable(): RedisLimiterUnavailable {
		const cause = this.lastError ? ` (${this.lastError})` : '';
		return new RedisLimiterUnavailable(
			`Pinterest Audience Sync could not reach Redis at ${this.endpoint} for ${this.seconds()}${cause}, so it cannot share the Pinterest rate limit with the other n8n workers. ${this.consequence()} Check that Redis is running at ${this.endpoint}, reachable from every n8n worker, and that the password, database and TLS settings are right${this.settingsHint}.`,
			this.endpoint,
		);
	}

	private consequence(): string {
		return 'The users still waiting were not sent to Pinterest (never faster than the limit instead); run the workflow again once Redis is back.';
	}

	private seconds(): string {
		const s = this.unavailableAfterMs / 1000;
		return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
	}
}
