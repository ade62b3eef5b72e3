/** Bytes of one SHA-256 digest. */
const DIGEST_BYTES = 32;
const DIGEST_WORDS = DIGEST_BYTES / 4;
const LOWER_HEX_DIGEST = /^[0-9a-f]{64}$/;
const EMPTY = -1;

/** True for the form every record of this node takes: 64 lower-case hex characters. */
export function isLowerHexDigest(value: string): boolean {
	return value.length === 64 && LOWER_HEX_DIGEST.test(value);
}

/**
 * A set of SHA-256 digests (64 lower-case hex) kept as bytes in a few typed arrays: 32 bytes per digest
 * and an open-addressing index, instead of one 64-character string (~80 bytes) per digest plus a Map
 * entry. A million digests take ~40 MB instead of ~120 MB, and the garbage collector, which never looks
 * inside typed arrays, has nothing to mark: no long pauses in a process holding millions of records.
 *
 * Entries are numbered in insertion order and keep their number; `delete` only marks an entry gone (a
 * digest added again gets its old number back).
 */
export class DigestSet {
	private bytes: Uint8Array;
	/** The same memory as a Buffer, for hex output without a Buffer per digest. */
	private bytesView: Buffer;
	private words: Int32Array;
	private present: Uint8Array;
	private index: Int32Array;
	private mask: number;
	/** Entries below this number were retired (see `retireBefore`): their bytes are gone. */
	private base = 0;
	private entries = 0;
	private live = 0;
	private readonly scratch = Buffer.alloc(DIGEST_BYTES);
	private readonly scratchWords = new Int32Array(
		this.scratch.buffer,
		this.scratch.byteOffset,
		DIGEST_WORDS,
	);

	constructor(expected = 1024) {
		const capacity = Math.max(16, expected);
		this.bytes = new Uint8Array(capacity * DIGEST_BYTES);
		this.bytesView = Buffer.from(this.bytes.buffer);
		this.words = new Int32Array(this.bytes.buffer);
		this.present = new Uint8Array(capacity);
		this.mask = tableSizeFor(capacity) - 1;
		this.index = new Int32Array(this.mask + 1).fill(EMPTY);
	}

	/** Digests in the set. */
	get size(): number {
		return this.live;
	}

	/** Entries ever added (numbers 0 … count − 1), deleted ones included. */
	get count(): number {
		return this.entries;
	}

	/** Adds a digest (64 lower-case hex, see `isLowerHexDigest`); returns its entry number. */
	add(digest: string): number {
		this.scratch.write(digest, 0, DIGEST_BYTES, 'hex');
		return this.addScratch();
	}

	/** Adds the 32-byte digest at `offset` of `bytes`; returns its entry number. */
	addBytes(bytes: Uint8Array, offset: number): number {
		this.scratch.set(bytes.subarray(offset, offset + DIGEST_BYTES));
		return this.addScratch();
	}

	/** Empties the set, keeping its memory for the next use. */
	clear(): void {
		this.index.fill(EMPTY);
		this.present.fill(0);
		this.entries = 0;
		this.live = 0;
	}

	/**
	 * No digest will be added or looked up any more: the index (8 bytes an entry at most) is freed, and
	 * entries stay readable by number.
	 */
	dropIndex(): void {
		this.index = new Int32Array(0);
		this.mask = -1;
	}

	/**
	 * Entries below `entry` will never be read again: their bytes are freed (the rest is copied into an
	 * array of its own). Only after `dropIndex`.
	 */
	retireBefore(entry: number): void {
		if (this.mask !== -1) throw new Error('DigestSet.retireBefore needs dropIndex first');
		const from = Math.min(entry, this.entries);
		if (from <= this.base) return;
		const bytes = this.bytes.slice(
			(from - this.base) * DIGEST_BYTES,
			(this.entries - this.base) * DIGEST_BYTES,
		);
		this.bytes = bytes;
		this.bytesView = Buffer.from(bytes.buffer);
		this.words = new Int32Array(bytes.buffer);
		this.base = from;
	}

	/** Adds the digest in `scratch`. */
	private addScratch(): number {
		const slot = this.findScratch();
		let entry = this.index[slot];
		if (entry === EMPTY) {
			if (this.entries === this.present.length) {
				this.grow();
				return this.addScratch();
			}
			entry = this.entries++;
			this.words.set(this.scratchWords, entry * DIGEST_WORDS);
			this.index[slot] = entry;
			// Half full at most: short probe sequences.
			if (this.entries * 2 > this.mask + 1) this.rehash((this.mask + 1) * 2);
		}
		if (this.present[entry] === 0) {
			this.present[entry] = 1;
			this.live++;
		}
		return entry;
	}

	has(digest: string): boolean {
		this.scratch.write(digest, 0, DIGEST_BYTES, 'hex');
		const entry = this.index[this.findScratch()];
		return entry !== EMPTY && this.present[entry] === 1;
	}

	delete(digest: string): boolean {
		this.scratch.write(digest, 0, DIGEST_BYTES, 'hex');
		const entry = this.index[this.findScratch()];
		if (entry === EMPTY || this.present[entry] === 0) return false;
		this.present[entry] = 0;
		this.live--;
		return true;
	}

	/** Entries 0 … count − 1 as 32 bytes each, in entry order (deleted ones included); a view, not a copy. */
	get entryBytes(): Uint8Array {
		if (this.base > 0) throw new Error('DigestSet: entries were retired');
		return this.bytes.subarray(0, this.entries * DIGEST_BYTES);
	}

	/** The digest of entry `entry` as 64 lower-case hex. */
	digestAt(entry: number): string {
		const at = this.offsetOf(entry);
		return this.bytesView.toString('hex', at, at + DIGEST_BYTES);
	}

	/** Copies the 32 bytes of entry `entry` into `target` at `offset`. */
	copyDigest(entry: number, target: Uint8Array, offset: number): void {
		const at = this.offsetOf(entry);
		target.set(this.bytes.subarray(at, at + DIGEST_BYTES), offset);
	}

	private offsetOf(entry: number): number {
		if (entry < this.base) throw new RangeError(`DigestSet: entry ${entry} was retired`);
		return (entry - this.base) * DIGEST_BYTES;
	}

	*values(): IterableIterator<string> {
		for (let entry = 0; entry < this.entries; entry++) {
			if (this.present[entry] === 1) yield this.digestAt(entry);
		}
	}

	/** The slot of the digest in `scratch` in the index: its entry, or the empty slot where it would go. */
	private findScratch(): number {
		if (this.mask === -1) throw new Error('DigestSet: the index was dropped');
		const key = this.scratchWords;
		const { words, index, mask } = this;
		// A digest's bytes are uniformly distributed: its first word is a good hash.
		let slot = key[0] & mask;
		for (;;) {
			const entry = index[slot];
			if (entry === EMPTY) return slot;
			const at = entry * DIGEST_WORDS;
			if (
				words[at] === key[0] &&
				words[at + 1] === key[1] &&
				words[at + 2] === key[2] &&
				words[at + 3] === key[3] &&
				words[at + 4] === key[4] &&
				words[at + 5] === key[5] &&
				words[at + 6] === key[6] &&
				words[at + 7] === key[7]
			) {
				return slot;
			}
			slot = (slot + 1) & mask;
		}
	}

	private grow(): void {
		const capacity = this.present.length * 2;
		const bytes = new Uint8Array(capacity * DIGEST_BYTES);
		bytes.set(this.bytes);
		this.bytes = bytes;
		this.bytesView = Buffer.from(bytes.buffer);
		this.words = new Int32Array(bytes.buffer);
		const present = new Uint8Array(capacity);
		present.set(this.present);
		this.present = present;
	}

	private rehash(tableSize: number): void {
		const index = new Int32Array(tableSize).fill(EMPTY);
		const mask = tableSize - 1;
		for (let entry = 0; entry < this.entries; entry++) {
			let slot = this.words[entry * DIGEST_WORDS] & mask;
			while (index[slot] !== EMPTY) slot = (slot + 1) & mask;
			index[slot] = entry;
		}
		this.index = index;
		this.mask = mask;
	}
}

function tableSizeFor(capacity: number): number {
	let size = 16;
	while (size < capacity * 2) size *= 2;
	return size;
}
