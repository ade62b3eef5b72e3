/** A tiny method + path router distinguishing "no such route" (404) from "wrong method" (405). */

export interface RouteDef<H> {
	method: string;
	/** e.g. `/v5/ad_accounts/:adAccountId/audiences` */
	pattern: string;
	handler: H;
}

interface CompiledRoute<H> extends RouteDef<H> {
	regexp: RegExp;
	names: string[];
}

export type RouteMatch<H> =
	| { kind: 'found'; route: RouteDef<H>; params: Record<string, string> }
	| { kind: 'method_not_allowed' }
	| { kind: 'not_found' };

export class Router<H> {
	private readonly routes: CompiledRoute<H>[];

	constructor(defs: RouteDef<H>[]) {
		this.routes = defs.map((d) => {
			const names: string[] = [];
			const source = d.pattern
				.split('/')
				.map((seg) => {
					if (seg.startsWith(':')) {
						names.push(seg.slice(1));
						return '([^/]+)';
					}
					return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
				})
				.join('/');
			return { ...d, names, regexp: new RegExp(`^${source}/?$`) };
		});
	}

	match(method: string, path: string): RouteMatch<H> {
		let pathMatched = false;
		for (const r of this.routes) {
			const m = r.regexp.exec(path);
			if (!m) continue;
			pathMatched = true;
			if (r.method !== method) continue;
			const params: Record<string, string> = {};
			r.names.forEach((n, i) => {
				params[n] = safeDecode(m[i + 1]);
			});
			return { kind: 'found', route: r, params };
		}
		return pathMatched ? { kind: 'method_not_allowed' } : { kind: 'not_found' };
	}
}

function safeDecode(s: string): string {
	try {
		return decodeURIComponent(s);
	} catch {
		return s;
	}
}
