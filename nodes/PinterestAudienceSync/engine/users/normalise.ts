import * as crypto from 'node:crypto';

/**
 * The identifier kinds Pinterest customer lists accept from this node: emails, Android advertising IDs
 * and Apple IDFAs (Pinterest takes no phone numbers).
 */
export type MatchField = 'email' | 'maid' | 'idfa';

export const MATCH_FIELD_LABELS: Record<MatchField, string> = {
	email: 'Email',
	maid: 'Mobile Advertising ID',
	idfa: 'Apple IDFA',
};

export type NormaliseResult = { ok: true; record: string } | { ok: false; reason: string };

const SHA256_HEX = /^[0-9a-f]{64}$/i;
const OTHER_HASH_HEX = /^(?:[0-9a-f]{32}|[0-9a-f]{40})$/i;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const UNDASHED_UUID = /^[0-9a-f]{32}$/;
const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
// Practical address syntax: no spaces, commas, quotes or angle brackets; a dotted domain. Unicode letters
// (IDN domains, international local parts) are allowed as typed.
const EMAIL = /^[^\s@,;"<>()[\]\\]{1,64}@[^\s@,;"<>()[\]\\_]{1,253}$/u;
const DOMAIN_LABEL = /^(?!-)[\p{L}\p{N}-]{1,63}(?<!-)$/u;
// The common case in one pass: two or more ASCII labels that DOMAIN_LABEL accepts. Anything else (IDN,
// digits of other scripts, invalid) goes through the label-by-label check.
const ASCII_DOMAIN =
	/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;
const MAX_EMAIL_LENGTH = 254;
// Invisible characters that text copied from web pages and spreadsheets carries (zero-width space, word
// joiner, byte-order mark, soft hyphen). They never belong to an address, and left in, the hash could
// never match. Zero-width (non-)joiners are kept: some scripts need them in domain names.
const INVISIBLE = /[\u00AD\u200B\u2060\uFEFF]/g;

// crypto.hash (Node 20.12+, 21.7+) hashes without a Hash object: about twice as fast for short inputs.
const oneShotHash = typeof crypto.hash === 'function' ? crypto.hash : undefined;

export function sha256Hex(value: string): string {
	if (oneShotHash) return oneShotHash('sha256', value, 'hex');
	return crypto.createHash('sha256').update(value, 'utf8').digest('hex');
}

function describeType(value: unknown): string {
	if (value === null) return 'empty (null)';
	if (Array.isArray(value)) return 'a list, not a single value';
	if (typeof value === 'number' || typeof value === 'bigint') return 'a number, not text';
	if (typeof value === 'boolean') return 'true/false, not text';
	if (typeof value === 'object') return 'an object, not text';
	return `of type ${typeof value}`;
}

function isValidEmail(email: string): boolean {
	if (email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email)) return false;
	const at = email.lastIndexOf('@');
	const local = email.slice(0, at);
	const domain = email.slice(at + 1);
	if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return false;
	if (ASCII_DOMAIN.test(domain)) return true;
	const labels = domain.split('.');
	if (labels.length < 2) return false;
	return labels.every((label) => DOMAIN_LABEL.test(label));
}

/**
 * Turns one raw identifier into the record Pinterest receives: always 64 lower-case hex (SHA-256), so a
 * raw identifier never leaves the process and a record can never contain the list separator (a comma).
 * Reasons name the field and the problem, never the value.
 */
export function normaliseIdentifier(field: MatchField, raw: unknown): NormaliseResult {
	const label = MATCH_FIELD_LABELS[field];
	if (raw === undefined || raw === '') return { ok: false, reason: `${label} is missing` };
	if (typeof raw !== 'string') return { ok: false, reason: `${label} is ${describeType(raw)}` };
	const trimmed = raw.trim();
	if (trimmed === '') return { ok: false, reason: `${label} is blank` };
	if (trimmed.length > 1024) return { ok: false, reason: `${label} is too long to be valid` };
	if (trimmed.length === 64 && SHA256_HEX.test(trimmed))
		return { ok: true, record: trimmed.toLowerCase() };

	if (field === 'email') {
		if ((trimmed.length === 32 || trimmed.length === 40) && OTHER_HASH_HEX.test(trimmed)) {
			return {
				ok: false,
				reason: `${label} looks like an MD5 or SHA-1 hash; send the address or its SHA-256 hash`,
			};
		}
		const email = trimmed.replace(INVISIBLE, '').normalize('NFC').toLowerCase();
		if (!isValidEmail(email)) return { ok: false, reason: `${label} is not a valid address` };
		return { ok: true, record: sha256Hex(email) };
	}

	let id = trimmed.toLowerCase();
	if (UNDASHED_UUID.test(id)) {
		id = `${id.slice(0, 8)}-${id.slice(8, 12)}-${id.slice(12, 16)}-${id.slice(16, 20)}-${id.slice(20)}`;
	}
	if (!UUID.test(id)) {
		return {
			ok: false,
			reason: `${label} is not a valid ID (expected 8-4-4-4-12 hex or its SHA-256 hash)`,
		};
	}
	if (id === ZERO_UUID) {
		return { ok: false, reason: `${label} is all zeros (the user limited ad tracking)` };
	}
	return { ok: true, record: sha256Hex(id) };
}
