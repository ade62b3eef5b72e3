/** The request log: one entry per request, appended on arrival, completed when answered. */
import { performance } from 'node:perf_hooks';
import type { RequestCategory, RequestLogEntry } from './types';

/** High-resolution wall-clock milliseconds. */
export function nowMs(): number {
	return performance.timeOrigin + performance.now();
}

export class RequestLog {
	readonly entries: RequestLogEntry[] = [];
	private seq = 0;

	start(fields: {
		t: number;
		method: string;
		path: string;
		userId: string | null;
		category: RequestCategory;
	}): RequestLogEntry {
		const entry: RequestLogEntry = {
			seq: ++this.seq,
			t: fields.t,
			method: fields.method,
			path: fields.path,
			status: 0,
			userId: fields.userId,
			category: fields.category,
			recordCount: 0,
			durationMs: 0,
		};
		this.entries.push(entry);
		return entry;
	}

	/** Marks the entry answered with `status` (0 for a reset/hang). */
	finish(entry: RequestLogEntry, status: number): void {
		entry.status = status;
		entry.durationMs = nowMs() - entry.t;
	}

	largestRequestRecords(): number {
		let max = 0;
		for (const e of this.entries) if (e.recordCount > max) max = e.recordCount;
		return max;
	}

	/** Empties the log in place, so references to `entries` stay valid. */
	clear(): void {
		this.entries.length = 0;
	}
}
