/**
 * Bookmark pagination (https://developers.pinterest.com/docs/reference/pagination/): `page_size`
 * 1..250 (default 25), an opaque `bookmark` cursor, `bookmark: null` on the last page. The bookmark
 * encodes the last id returned and the order, so items created or removed between pages cause
 * neither duplicates nor skips.
 */
import { compareIds } from './state';
import { errorReply, type Reply } from './errors';
import type { Paginated } from './types';

export type Order = 'ASCENDING' | 'DESCENDING';

export interface PageRequest {
	pageSize: number;
	after: string | null;
	order: Order;
}

/** Parses page_size, bookmark and order; returns a 400 reply on bad input. */
export function parsePageRequest(
	query: URLSearchParams,
	defaultOrder: Order = 'ASCENDING',
): PageRequest | Reply {
	let pageSize = 25;
	const rawSize = query.get('page_size');
	if (rawSize !== null) {
		if (!/^-?\d+$/.test(rawSize)) {
			return errorReply(
				400,
				1,
				`Parameter 'page_size' was not numeric (was ${rawSize.slice(0, 40)})`,
			);
		}
		pageSize = Number(rawSize);
		if (pageSize < 1 || pageSize > 250) {
			return errorReply(
				400,
				1,
				`Invalid parameters: page_size must be between 1 and 250 (was ${rawSize})`,
			);
		}
	}
	let order: Order = defaultOrder;
	const rawOrder = query.get('order');
	if (rawOrder !== null) {
		if (rawOrder !== 'ASCENDING' && rawOrder !== 'DESCENDING') {
			return errorReply(
				400,
				1,
				`Invalid parameters: order must be ASCENDING or DESCENDING (was ${rawOrder.slice(0, 40)})`,
			);
		}
		order = rawOrder;
	}
	let after: string | null = null;
	const rawBookmark = query.get('bookmark');
	if (rawBookmark !== null && rawBookmark !== '') {
		const decoded = decodeBookmark(rawBookmark);
		if (!decoded) return errorReply(400, 1, 'Invalid parameters: bookmark is not valid');
		after = decoded.after;
		order = decoded.order;
	}
	return { pageSize, after, order };
}

/** `items` must be in ascending id order. */
export function paginate<T extends { id: string }>(items: T[], req: PageRequest): Paginated<T> {
	const ordered = req.order === 'ASCENDING' ? items : [...items].reverse();
	let start = 0;
	if (req.after !== null) {
		const after = req.after;
		const beyond =
			req.order === 'ASCENDING'
				? (id: string) => compareIds(id, after) > 0
				: (id: string) => compareIds(id, after) < 0;
		start = ordered.findIndex((it) => beyond(it.id));
		if (start < 0) start = ordered.length;
	}
	const page = ordered.slice(start, start + req.pageSize);
	const more = start + req.pageSize < ordered.length;
	const lastId = page.length > 0 ? page[page.length - 1].id : null;
	return {
		items: page,
		bookmark: more && lastId !== null ? encodeBookmark(lastId, req.order) : null,
	};
}

function encodeBookmark(after: string, order: Order): string {
	return Buffer.from(`v1:${order === 'ASCENDING' ? 'a' : 'd'}:${after}`).toString('base64url');
}

function decodeBookmark(raw: string): { after: string; order: Order } | null {
	const text = Buffer.from(raw, 'base64url').toString('utf8');
	const m = /^v1:([ad]):(\d{1,18})$/.exec(text);
	if (!m) return null;
	return { after: m[2], order: m[1] === 'a' ? 'ASCENDING' : 'DESCENDING' };
}
