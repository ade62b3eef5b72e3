/**
 * Reads shared by every execution of the process while they are fresh: one read per key per `freshMs`
 * however many executions ask (a webhook per user then costs Pinterest one request, not one each).
 */
export class RecentReads {
	private readonly reads = new Map<string, { at: number; read: Promise<unknown> }>();

	constructor(private readonly freshMs: number) {}

	async get<T>(key: string, load: () => Promise<T>): Promise<T> {
		const now = Date.now();
		for (const [known, entry] of this.reads)
			if (now - entry.at >= this.freshMs) this.reads.delete(known);
		let entry = this.reads.get(key);
		if (!entry) {
			entry = { at: now, read: load() };
			this.reads.set(key, entry);
		}
		return (await entry.read) as T;
	}
}
