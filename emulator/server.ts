/**
 * The HTTP server: request pipeline, latency, faults and the log.
 *
 * Pipeline of an API request (/v5/…, except the token endpoint):
 *   arrival (log entry, time t) -> fault? -> route (404/405) -> bearer auth (401)
 *   -> rate limit at arrival time t (429) -> read body -> handler (400/403/404/2xx) -> latency -> response.
 * Decisions up to the rate limit are taken synchronously on arrival, so they happen in arrival
 * order. The handler changes state before the latency delay (a client that times out during the
 * delay may still have had its write applied, as with a real server).
 * OAuth routes skip bearer auth and rate limits; /_emulator admin routes also skip faults and latency.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { countRecordsInBody, type ApiRoute } from './api';
import {
	methodNotAllowed,
	rateLimited,
	Reply,
	routeNotFound,
	authFailed,
	defaultErrorBody,
	errorReply,
} from './errors';
import type { ActiveFault, FaultList } from './faults';
import { nowMs, type RequestLog } from './log';
import type { OAuthHandler } from './oauth';
import type { RateLimiter } from './rateLimit';
import type { Router } from './router';
import type { TokenStore } from './tokens';
import type { RequestCategory, RequestLogEntry, ResolvedEmulatorOptions } from './types';

const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface AdminContext {
	query: URLSearchParams;
	params: Record<string, string>;
	body: string;
}
export type AdminHandler = (ctx: AdminContext) => Reply;

export interface ServerDeps {
	options: ResolvedEmulatorOptions;
	log: RequestLog;
	tokens: TokenStore;
	limiter: RateLimiter;
	faults: FaultList;
	api: Router<ApiRoute>;
	oauth: Router<OAuthHandler>;
	admin: Router<AdminHandler>;
}

function bearerToken(header: string | undefined): string | null {
	const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
	return m ? m[1] : null;
}

/** Reads the whole body; null if it exceeds the size cap or the client aborted. */
function readBody(req: IncomingMessage): Promise<string | null> {
	return new Promise((resolve) => {
		const chunks: Buffer[] = [];
		let size = 0;
		let done = false;
		const finish = (v: string | null) => {
			if (!done) {
				done = true;
				resolve(v);
			}
		};
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size > MAX_BODY_BYTES) {
				chunks.length = 0;
				finish(null);
				return;
			}
			if (!done) chunks.push(chunk);
		});
		req.on('end', () => finish(Buffer.concat(chunks).toString('utf8')));
		req.on('error', () => finish(null));
		req.on('aborted', () => finish(null));
	});
}

export class EmulatorServer {
	readonly http: Server;
	private readonly timers = new Set<NodeJS.Timeout>();
	private ridCounter = 0;

	constructor(private readonly deps: ServerDeps) {
		this.http = createServer((req, res) => {
			this.handle(req, res).catch((err: unknown) => {
				// eslint-disable-next-line no-console
				console.error('[pinterest-emulator] request failed', err);
				if (!res.headersSent && !res.destroyed) {
					res.writeHead(500, { 'content-type': 'application/json' });
					res.end(JSON.stringify({ code: 500, message: 'Internal emulator error.' }));
				}
			});
		});
		this.http.keepAliveTimeout = 30_000;
		this.http.headersTimeout = 35_000;
		this.http.requestTimeout = 0;
	}

	listen(port: number): Promise<number> {
		return new Promise((resolve, reject) => {
			this.http.once('error', reject);
			this.http.listen(port, '127.0.0.1', () => {
				this.http.off('error', reject);
				resolve((this.http.address() as AddressInfo).port);
			});
		});
	}

	close(): Promise<void> {
		for (const t of this.timers) clearTimeout(t);
		this.timers.clear();
		return new Promise((resolve) => {
			this.http.close(() => resolve());
			this.http.closeAllConnections();
		});
	}

	private schedule(fn: () => void, ms: number): void {
		const timer = setTimeout(() => {
			this.timers.delete(timer);
			fn();
		}, ms);
		this.timers.add(timer);
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		const t = nowMs();
		const method = (req.method ?? 'GET').toUpperCase();
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const path = url.pathname;
		if (path === '/_emulator' || path.startsWith('/_emulator/')) {
			return this.handleAdmin(req, res, t, method, path, url.searchParams);
		}
		if (path === '/oauth' || path === '/oauth/' || path.startsWith('/v5/oauth/')) {
			return this.handleOAuth(req, res, t, method, path, url.searchParams);
		}
		return this.handleApi(req, res, t, method, path, url.searchParams);
	}

	private async handleApi(
		req: IncomingMessage,
		res: ServerResponse,
		t: number,
		method: string,
		path: string,
		query: URLSearchParams,
	): Promise<void> {
		const { tokens, limiter, log } = this.deps;
		const match = this.deps.api.match(method, path);
		const token = bearerToken(req.headers.authorization);
		const category: RequestCategory =
			match.kind === 'found'
				? match.route.handler.category
				: method === 'GET'
					? 'ads_read'
					: 'ads_write';
		const entry = log.start({ t, method, path, userId: tokens.ownerOf(token), category });
		const countsRecords = match.kind === 'found' && match.route.handler.countsRecords === true;

		const fault = this.deps.faults.take(method, path);
		let extraDelay = 0;
		// A fault answering after the request took effect replaces the handler's answer below.
		const lostAnswer = fault?.applied ? fault : null;
		if (fault && !lostAnswer) {
			if (fault.kind !== 'hang' || fault.hangMs === null) {
				// The request reached the server, so it uses quota (unless the client sees a 429);
				// the fault decides the answer either way.
				const user = tokens.authenticate(token);
				const answers429 = fault.kind === 'status' && fault.status === 429;
				if (match.kind === 'found' && user && !answers429) limiter.check(user, category, t);
				return this.applyFault(req, res, entry, fault, countsRecords);
			}
			extraDelay = fault.hangMs;
		}

		if (match.kind !== 'found') {
			await readBody(req);
			return this.send(
				res,
				entry,
				match.kind === 'not_found' ? routeNotFound() : methodNotAllowed(),
				extraDelay,
			);
		}
		const userId = tokens.authenticate(token);
		if (!userId) {
			const body = await readBody(req);
			if (countsRecords && body) entry.recordCount = countRecordsInBody(body);
			return this.send(res, entry, authFailed(), extraDelay);
		}
		entry.userId = userId;
		const decision = limiter.check(userId, category, t);
		if (!decision.ok) {
			const body = await readBody(req);
			if (countsRecords && body) entry.recordCount = countRecordsInBody(body);
			const r = rateLimited();
			const headers: Record<string, string> = this.deps.options.sendRetryAfter
				? { 'retry-after': String(decision.retryAfterSec) }
				: {};
			return this.send(res, entry, new Reply(r.status, r.body, headers), extraDelay);
		}
		const body = await readBody(req);
		if (body === null) return this.tooLargeOrAborted(res, entry);
		let reply: Reply;
		try {
			reply = match.route.handler.run({ userId, params: match.params, query, body, entry });
		} catch (err: unknown) {
			// eslint-disable-next-line no-console
			console.error('[pinterest-emulator] handler error', err);
			reply = errorReply(500, 500, 'Internal emulator error.');
		}
		if (lostAnswer) {
			const lostBody = lostAnswer.body ?? defaultErrorBody(lostAnswer.status);
			reply = new Reply(lostAnswer.status, lostBody, lostAnswer.headers);
		}
		return this.send(res, entry, reply, extraDelay);
	}

	private async handleOAuth(
		req: IncomingMessage,
		res: ServerResponse,
		t: number,
		method: string,
		path: string,
		query: URLSearchParams,
	): Promise<void> {
		const entry = this.deps.log.start({ t, method, path, userId: null, category: 'oauth' });
		const fault = this.deps.faults.take(method, path);
		let extraDelay = 0;
		if (fault) {
			if (fault.kind !== 'hang' || fault.hangMs === null)
				return this.applyFault(req, res, entry, fault, false);
			extraDelay = fault.hangMs;
		}
		const body = await readBody(req);
		if (body === null) return this.tooLargeOrAborted(res, entry);
		const match = this.deps.oauth.match(method, path);
		if (match.kind !== 'found') {
			return this.send(
				res,
				entry,
				match.kind === 'not_found' ? routeNotFound() : methodNotAllowed(),
				extraDelay,
			);
		}
		const reply = match.route.handler({ query, body, headers: req.headers });
		if (reply.userId !== undefined) entry.userId = reply.userId;
		return this.send(res, entry, reply, extraDelay);
	}

	private async handleAdmin(
		req: IncomingMessage,
		res: ServerResponse,
		t: number,
		method: string,
		path: string,
		query: URLSearchParams,
	): Promise<void> {
		const entry = this.deps.log.start({ t, method, path, userId: null, category: 'admin' });
		const body = await readBody(req);
		if (body === null) return this.tooLargeOrAborted(res, entry);
		const match = this.deps.admin.match(method, path);
		let reply: Reply;
		if (match.kind === 'found') {
			try {
				reply = match.route.handler({ query, params: match.params, body });
			} catch (err: unknown) {
				reply = errorReply(
					500,
					500,
					err instanceof Error ? err.message : 'Internal emulator error.',
				);
			}
		} else {
			reply = match.kind === 'not_found' ? routeNotFound() : methodNotAllowed();
		}
		return this.write(res, entry, reply);
	}

	private async applyFault(
		req: IncomingMessage,
		res: ServerResponse,
		entry: RequestLogEntry,
		fault: ActiveFault,
		countsRecords: boolean,
	): Promise<void> {
		const body = await readBody(req);
		if (countsRecords && body) entry.recordCount = countRecordsInBody(body);
		if (fault.kind === 'reset') {
			this.deps.log.finish(entry, 0);
			req.socket.resetAndDestroy();
			return;
		}
		if (fault.kind === 'hang') {
			// Never answered; close() destroys the socket.
			this.deps.log.finish(entry, 0);
			return;
		}
		const faultBody = fault.body === undefined ? defaultErrorBody(fault.status) : fault.body;
		return this.send(res, entry, new Reply(fault.status, faultBody, fault.headers));
	}

	private tooLargeOrAborted(res: ServerResponse, entry: RequestLogEntry): void {
		const reply = errorReply(413, 413, 'Request entity too large.');
		this.deps.log.finish(entry, res.destroyed ? 0 : 413);
		if (res.destroyed) return;
		res.writeHead(413, { 'content-type': 'application/json', connection: 'close' });
		res.end(JSON.stringify(reply.body));
	}

	/** Answers after the configured latency (plus `extraDelay`). */
	private send(res: ServerResponse, entry: RequestLogEntry, reply: Reply, extraDelay = 0): void {
		const { latencyMs, latencyJitterMs } = this.deps.options;
		const delay =
			latencyMs + (latencyJitterMs > 0 ? Math.random() * latencyJitterMs : 0) + extraDelay;
		if (delay > 0) this.schedule(() => this.write(res, entry, reply), delay);
		else this.write(res, entry, reply);
	}

	private write(res: ServerResponse, entry: RequestLogEntry, reply: Reply): void {
		this.deps.log.finish(entry, reply.status);
		if (res.destroyed || res.writableEnded) return;
		const headers: Record<string, string> = {
			'x-pinterest-rid': `emu${(++this.ridCounter).toString().padStart(10, '0')}`,
		};
		let payload: string | undefined;
		if (reply.body !== undefined) {
			payload = JSON.stringify(reply.body);
			headers['content-type'] = 'application/json; charset=utf-8';
			headers['content-length'] = String(Buffer.byteLength(payload));
		} else {
			headers['content-length'] = '0';
		}
		res.writeHead(reply.status, { ...headers, ...(reply.headers ?? {}) });
		res.end(payload);
	}
}
