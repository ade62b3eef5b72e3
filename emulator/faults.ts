/**
 * Injectable faults. The first registered fault that matches a request and still has count > 0
 * applies; its count is decremented. Faults apply to API and OAuth routes, never to /_emulator.
 */
import type { FaultSpec } from './types';

export interface ActiveFault {
	kind: 'status' | 'reset' | 'hang';
	status: number;
	body: unknown;
	headers: Record<string, string>;
	hangMs: number | null;
	/** 'status' only: answered after the request took effect. */
	applied: boolean;
}

interface StoredFault extends ActiveFault {
	method: string | null;
	pathSubstring: string | null;
	pathRegExp: RegExp | null;
	remaining: number;
	skip: number;
}

export class FaultValidationError extends Error {}

export class FaultList {
	private faults: StoredFault[] = [];

	add(spec: FaultSpec): void {
		const kind = spec.kind ?? 'status';
		if (kind !== 'status' && kind !== 'reset' && kind !== 'hang') {
			throw new FaultValidationError(`unknown fault kind ${String(kind)}`);
		}
		const count = spec.count ?? 1;
		if (typeof count !== 'number' || !(count >= 1))
			throw new FaultValidationError('count must be >= 1');
		const skip = spec.skip ?? 0;
		if (typeof skip !== 'number' || !(skip >= 0))
			throw new FaultValidationError('skip must be >= 0');
		const status = spec.status ?? 500;
		if (!Number.isInteger(status) || status < 100 || status > 599) {
			throw new FaultValidationError('status must be an HTTP status code');
		}
		if (spec.hangMs !== undefined && !(typeof spec.hangMs === 'number' && spec.hangMs >= 0)) {
			throw new FaultValidationError('hangMs must be a number >= 0');
		}
		let pathRegExp: RegExp | null = null;
		if (spec.path !== undefined) {
			if (typeof spec.path !== 'string') throw new FaultValidationError('path must be a string');
			try {
				pathRegExp = new RegExp(spec.path);
			} catch {
				pathRegExp = null; // not a valid RegExp source: substring match only
			}
		}
		this.faults.push({
			kind,
			status,
			body: spec.body,
			headers: { ...(spec.headers ?? {}) },
			hangMs: spec.hangMs ?? null,
			applied: kind === 'status' && spec.applied === true,
			method: spec.method ? spec.method.toUpperCase() : null,
			pathSubstring: spec.path ?? null,
			pathRegExp,
			remaining: count,
			skip,
		});
	}

	/** Takes (consumes one count of) the first fault matching the request, if any. */
	take(method: string, path: string): ActiveFault | null {
		for (const f of this.faults) {
			if (f.remaining <= 0) continue;
			if (f.method !== null && f.method !== method.toUpperCase()) continue;
			if (f.pathSubstring !== null) {
				const hit =
					path.includes(f.pathSubstring) || (f.pathRegExp !== null && f.pathRegExp.test(path));
				if (!hit) continue;
			}
			if (f.skip > 0) {
				f.skip -= 1;
				continue;
			}
			f.remaining -= 1;
			const { kind, status, body, headers, hangMs, applied } = f;
			return { kind, status, body, headers, hangMs, applied };
		}
		return null;
	}

	/** Faults that still have matches left. */
	pending(): number {
		return this.faults.filter((f) => f.remaining > 0).length;
	}

	clear(): void {
		this.faults = [];
	}
}
