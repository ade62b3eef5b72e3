import type { SortedDigests } from './sortedDigests';
import { DIGEST_BYTES, digestCount } from './sortedDigests';

/** Mirror's memory of one list: what it holds and the form it is stored in. */

export interface MirrorState {
	members: SortedDigests;
	uncertain: SortedDigests;
}

const MAGIC = 0x504d4131; // "PMA1"
const HEADER_BYTES = 12;

/** A state to store whose members are sorted parts, e.g. views of the members read and of the changes. */
export interface MirrorStateParts {
	members: SortedDigests | readonly SortedDigests[];
	uncertain: SortedDigests;
}

/**
 * The stored form: "PMA1", the two counts (uint32 big-endian), then the members' and the uncertain
 * digests; as parts, so that a file store writes them without joining them first.
 */
export function encodeMirrorState(state: MirrorStateParts): Uint8Array[] {
	const members = state.members instanceof Uint8Array ? [state.members] : [...state.members];
	const header = Buffer.alloc(HEADER_BYTES);
	header.writeUInt32BE(MAGIC, 0);
	header.writeUInt32BE(
		members.reduce((n, part) => n + digestCount(part), 0),
		4,
	);
	header.writeUInt32BE(digestCount(state.uncertain), 8);
	return [header, ...members, state.uncertain];
}

/** Reads the stored form; undefined for anything that is not one (the run then starts afresh). */
export function decodeMirrorState(data: Uint8Array): MirrorState | undefined {
	if (data.length < HEADER_BYTES) return undefined;
	const view = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
	if (view.readUInt32BE(0) !== MAGIC) return undefined;
	const members = view.readUInt32BE(4) * DIGEST_BYTES;
	const uncertain = view.readUInt32BE(8) * DIGEST_BYTES;
	if (data.length !== HEADER_BYTES + members + uncertain) return undefined;
	return {
		members: data.subarray(HEADER_BYTES, HEADER_BYTES + members),
		uncertain: data.subarray(HEADER_BYTES + members),
	};
}
