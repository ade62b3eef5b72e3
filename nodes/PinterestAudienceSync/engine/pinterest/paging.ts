import type { PinterestPage } from './objects';

/** Pinterest's largest page for every bookmark-paginated list. */
export const PAGE_SIZE = 250;

export interface PageQuery {
	[key: string]: string | number;
	page_size: number;
}

/**
 * The pages of a bookmark-paginated list, from `bookmark` (the start when null) to the end; each page
 * carries the bookmark of the next one (null on the last). Stop early by leaving the loop.
 */
export async function* bookmarkPages<T>(
	fetchPage: (qs: PageQuery) => Promise<Partial<PinterestPage<T>>>,
	bookmark: string | null = null,
): AsyncGenerator<PinterestPage<T>> {
	do {
		const qs: PageQuery = { page_size: PAGE_SIZE };
		if (bookmark) qs.bookmark = bookmark;
		const page = await fetchPage(qs);
		bookmark = page.bookmark || null;
		yield { items: page.items ?? [], bookmark };
	} while (bookmark !== null);
}
