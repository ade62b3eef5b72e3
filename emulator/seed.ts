/**
 * The deterministic seed: two users, three ad accounts, demo tokens, and (unless `seed: false`)
 * audiences and customer lists. Reseeding always produces the same IDs.
 *
 * - Demo user 2783136121146311751 "pindexterp" (BUSINESS):
 *   - 549755885175 "ACME Tools": lists "Newsletter subscribers" (150 members, READY audience),
 *     "Trial users" (40 members, TOO_SMALL audience), "Imported leads" (12 members, no audience);
 *     audiences "Site visitors – 30 days" (VISITOR), "Pin engagers – 90 days" (ENGAGEMENT),
 *     "Newsletter lookalike – 5% US" (ACTALIKE seeded from the newsletter audience).
 *   - 549755885176 "ACME Big Account": "Big account visitors" (VISITOR), then 600 CUSTOMER_LIST
 *     audiences "Segment 001" … "Segment 600" each on its own list of the same name (every 10th
 *     list has 120 members and is READY, the others hold 0–6 members), then "Big account engagers"
 *     (ENGAGEMENT): 602 audiences in all.
 *   It shares "Big account visitors" and "Segment 010" with ACME Tools (their received audiences).
 * - Second user 2783136121146311752 "secondpinner": 549755885177 "Second Pinner Shop" with the
 *   list and CUSTOMER_LIST audience "Second shop buyers" (110 members).
 */
import { createHash } from 'node:crypto';
import type { PinterestState } from './state';
import type { TokenStore } from './tokens';
import type { ResolvedEmulatorOptions } from './types';

export const DEMO_USER_ID = '2783136121146311751';
export const SECOND_USER_ID = '2783136121146311752';
export const DEMO_AD_ACCOUNT_ID = '549755885175';
export const BIG_AD_ACCOUNT_ID = '549755885176';
export const SECOND_USER_AD_ACCOUNT_ID = '549755885177';
export const DEMO_ACCESS_TOKEN = 'pina_DEMO_ACCESS_TOKEN_0001';
export const DEMO_REFRESH_TOKEN = 'pinr.DEMO_REFRESH_TOKEN_0001';
export const SECOND_ACCESS_TOKEN = 'pina_DEMO_ACCESS_TOKEN_0002';
export const SECOND_REFRESH_TOKEN = 'pinr.DEMO_REFRESH_TOKEN_0002';
export const BIG_ACCOUNT_SEGMENTS = 600;

/** Seeded timestamps: 2025-01-01T00:00:00Z plus one minute per object. */
const SEED_EPOCH = 1_735_689_600;

/** Lower-case hex SHA-256 of a normalised e-mail, like the node sends. */
export function hashedEmail(email: string): string {
	return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

function members(prefix: string, n: number): string[] {
	const out: string[] = [];
	for (let i = 1; i <= n; i++) out.push(hashedEmail(`${prefix}${i}@example.com`));
	return out;
}

export function seed(
	state: PinterestState,
	tokens: TokenStore,
	options: ResolvedEmulatorOptions,
): void {
	let minute = 0;
	const at = (): number => SEED_EPOCH + 60 * minute++;

	state.addUser({
		account_type: 'BUSINESS',
		id: options.demoUserId,
		username: 'pindexterp',
		profile_image: 'https://i.pinimg.com/280x280_RS/pindexterp.jpg',
		website_url: 'https://acme.example',
		business_name: 'ACME',
		about: 'ACME Tools: tools for makers.',
		board_count: 14,
		pin_count: 339,
		follower_count: 10,
		following_count: 347,
		monthly_views: 163,
	});
	state.addUser({
		account_type: 'BUSINESS',
		id: SECOND_USER_ID,
		username: 'secondpinner',
		profile_image: 'https://i.pinimg.com/280x280_RS/secondpinner.jpg',
		website_url: 'https://second.example',
		business_name: 'Second Pinner Shop',
		about: 'A second business account.',
		board_count: 2,
		pin_count: 21,
		follower_count: 3,
		following_count: 5,
		monthly_views: 40,
	});
	const account = (id: string, name: string, ownerId: string): void => {
		const t = at();
		state.addAdAccount({
			id,
			name,
			ownerId,
			country: 'US',
			currency: 'USD',
			createdTime: t,
			updatedTime: t,
		});
	};
	account(DEMO_AD_ACCOUNT_ID, 'ACME Tools', options.demoUserId);
	account(BIG_AD_ACCOUNT_ID, 'ACME Big Account', options.demoUserId);
	account(SECOND_USER_AD_ACCOUNT_ID, 'Second Pinner Shop', SECOND_USER_ID);

	tokens.register(
		options.demoUserId,
		DEMO_ACCESS_TOKEN,
		DEMO_REFRESH_TOKEN,
		options.accessTokenLifetimeSec,
	);
	tokens.register(
		SECOND_USER_ID,
		SECOND_ACCESS_TOKEN,
		SECOND_REFRESH_TOKEN,
		options.accessTokenLifetimeSec,
	);

	if (!options.seed) return;

	const settled = { settled: true };
	const listWithAudience = (
		adAccountId: string,
		name: string,
		records: string[],
		description: string | null,
	) => {
		const list = state.createCustomerList(adAccountId, name, 'EMAIL', records, {
			...settled,
			createdTime: at(),
		});
		return state.createAudience(
			adAccountId,
			{ name, audienceType: 'CUSTOMER_LIST', description, rule: { customer_list_id: list.id } },
			{ ...settled, createdTimestamp: at() },
		);
	};
	const other = (
		adAccountId: string,
		name: string,
		audienceType: 'VISITOR' | 'ENGAGEMENT' | 'ACTALIKE',
		rule: Record<string, unknown>,
		size: number,
	) =>
		state.createAudience(
			adAccountId,
			{ name, audienceType, description: null, rule, fixedSize: size },
			{ ...settled, createdTimestamp: at() },
		);

	// ACME Tools
	const newsletter = listWithAudience(
		DEMO_AD_ACCOUNT_ID,
		'Newsletter subscribers',
		members('subscriber', 150),
		'People who subscribed to the ACME newsletter.',
	);
	listWithAudience(DEMO_AD_ACCOUNT_ID, 'Trial users', members('trial', 40), null);
	state.createCustomerList(DEMO_AD_ACCOUNT_ID, 'Imported leads', 'EMAIL', members('lead', 12), {
		...settled,
		createdTime: at(),
	});
	other(
		DEMO_AD_ACCOUNT_ID,
		'Site visitors – 30 days',
		'VISITOR',
		{ event: 'pagevisit', retention_days: 30 },
		12_000,
	);
	other(
		DEMO_AD_ACCOUNT_ID,
		'Pin engagers – 90 days',
		'ENGAGEMENT',
		{ engagement_type: 'click', retention_days: 90 },
		4_200,
	);
	other(
		DEMO_AD_ACCOUNT_ID,
		'Newsletter lookalike – 5% US',
		'ACTALIKE',
		{ seed_id: [newsletter.id], country: 'US', percentage: 5 },
		5_000_000,
	);

	// ACME Big Account
	const bigVisitors = other(
		BIG_AD_ACCOUNT_ID,
		'Big account visitors',
		'VISITOR',
		{ event: 'checkout', retention_days: 180 },
		25_000,
	);
	state.shareAudience(bigVisitors, DEMO_AD_ACCOUNT_ID);
	for (let i = 1; i <= BIG_ACCOUNT_SEGMENTS; i++) {
		const name = `Segment ${String(i).padStart(3, '0')}`;
		const n = i % 10 === 0 ? 120 : i % 7;
		const segment = listWithAudience(BIG_AD_ACCOUNT_ID, name, members(`segment${i}-`, n), null);
		if (i === 10) state.shareAudience(segment, DEMO_AD_ACCOUNT_ID);
	}
	other(
		BIG_AD_ACCOUNT_ID,
		'Big account engagers',
		'ENGAGEMENT',
		{ engagement_type: 'save', retention_days: 30 },
		8_000,
	);

	// Second user
	listWithAudience(SECOND_USER_AD_ACCOUNT_ID, 'Second shop buyers', members('buyer', 110), null);
}
