import { DigestSet, isLowerHexDigest } from '../nodes/PinterestAudienceSync/engine/users/digestSet';

/**
 * The members of one customer list. SHA-256 records (what clients send) are kept as bytes, anything else
 * as strings: a list of a million members is then a few typed arrays rather than a million strings, so
 * the emulator's garbage collector never pauses long enough to bunch up the arrival times it rate-limits
 * on (a 50–120 ms pause made requests that arrived apart look simultaneous).
 */
export class ListMembers {
	private readonly digests = new DigestSet(16);
	private readonly others = new Set<string>();

	constructor(records: Iterable<string> = []) {
		for (const record of records) this.add(record);
	}

	get size(): number {
		return this.digests.size + this.others.size;
	}

	add(record: string): void {
		if (isLowerHexDigest(record)) this.digests.add(record);
		else this.others.add(record);
	}

	delete(record: string): void {
		if (isLowerHexDigest(record)) this.digests.delete(record);
		else this.others.delete(record);
	}

	*[Symbol.iterator](): IterableIterator<string> {
		yield* this.digests.values();
		yield* this.others;
	}
}
