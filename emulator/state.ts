/**
 * In-memory model of users, ad accounts, customer lists and audiences. No HTTP here: the API
 * handlers validate input and call these methods; the render* methods produce the API objects.
 *
 * Status model (Pinterest documents the statuses, not the transitions; this is the emulator's rule):
 * - A customer-list write (create/PATCH) sets the list to PROCESSING; the write response says so.
 * - The first read at least `processingDelayMs` (default 0) after the last write settles it:
 *   READY if members >= audienceMinimumSize, else TOO_SMALL. The member count at that moment is
 *   the list's "processed size".
 * - A CUSTOMER_LIST audience answers INITIALIZING (size null) on creation and until its list has
 *   been processed; then READY with size = processed size, or TOO_SMALL with size null (Pinterest
 *   does not reveal sizes below the minimum). While the list re-processes after a later write, the
 *   audience keeps showing the previous result.
 * - Other created audiences: INITIALIZING, then ACTALIKE -> READY (synthetic size), others -> TOO_SMALL.
 */
import { ListMembers } from './members';
import type {
	Audience,
	AudienceRule,
	AudienceType,
	CustomerList,
	UserAccount,
	UserListType,
} from './types';

export interface UserRecord {
	account: UserAccount;
}

export interface AdAccountRecord {
	id: string;
	name: string;
	ownerId: string;
	country: string;
	currency: string;
	createdTime: number;
	updatedTime: number;
	deleted: boolean;
}

export interface CustomerListRecord {
	id: string;
	adAccountId: string;
	name: string;
	listType: UserListType;
	createdTime: number;
	updatedTime: number;
	numBatches: number;
	numUploaded: number;
	numRemoved: number;
	members: ListMembers;
	status: 'PROCESSING' | 'READY' | 'TOO_SMALL';
	/** Date.now() of the last write. */
	lastWriteAt: number;
	/** Members counted when the list was last processed; null if never. */
	processedSize: number | null;
	/** What Pinterest reports as the list's errors (`exceptions`, "Customer list errors"); {} when none. */
	exceptions: Record<string, unknown>;
}

export interface AudienceRecord {
	id: string;
	adAccountId: string;
	name: string;
	audienceType: AudienceType;
	description: string | null;
	rule: AudienceRule;
	createdTimestamp: number;
	updatedTimestamp: number;
	createdByCompanyName: string | null;
	deleted: boolean;
	/** Date.now() of creation; the audience is INITIALIZING until settled. */
	createdAt: number;
	settled: boolean;
	/** Size of a non-CUSTOMER_LIST audience once settled (null = TOO_SMALL). */
	fixedSize: number | null;
	/** Ad accounts it is shared with (it is their received audience). */
	sharedWith: Set<string>;
}

export const FIRST_GENERATED_ID = 549755885178;

const nowSec = (): number => Math.floor(Date.now() / 1000);

/** IDs are digit strings; this compares them numerically without BigInt. */
export function compareIds(a: string, b: string): number {
	if (a.length !== b.length) return a.length - b.length;
	return a < b ? -1 : a > b ? 1 : 0;
}

export class PinterestState {
	readonly users = new Map<string, UserRecord>();
	readonly adAccounts = new Map<string, AdAccountRecord>();
	readonly customerLists = new Map<string, CustomerListRecord>();
	readonly audiences = new Map<string, AudienceRecord>();
	/** Per ad account, ids in ascending (= creation) order. */
	private readonly listIdsByAccount = new Map<string, string[]>();
	private readonly audienceIdsByAccount = new Map<string, string[]>();
	private nextId = FIRST_GENERATED_ID;

	constructor(
		private readonly settings: { audienceMinimumSize: number; processingDelayMs: number },
	) {}

	/** Empties the model (IDs restart, so reseeding reproduces the same IDs). */
	clear(): void {
		this.users.clear();
		this.adAccounts.clear();
		this.customerLists.clear();
		this.audiences.clear();
		this.listIdsByAccount.clear();
		this.audienceIdsByAccount.clear();
		this.nextId = FIRST_GENERATED_ID;
	}

	newId(): string {
		return String(this.nextId++);
	}

	addUser(account: UserAccount): void {
		this.users.set(account.id, { account });
	}

	addAdAccount(rec: Omit<AdAccountRecord, 'deleted'>): AdAccountRecord {
		const full = { ...rec, deleted: false };
		this.adAccounts.set(rec.id, full);
		this.listIdsByAccount.set(rec.id, []);
		this.audienceIdsByAccount.set(rec.id, []);
		return full;
	}

	/** Live (not deleted) ad account, or undefined. */
	adAccount(id: string): AdAccountRecord | undefined {
		const acc = this.adAccounts.get(id);
		return acc && !acc.deleted ? acc : undefined;
	}

	adAccountsOf(userId: string): AdAccountRecord[] {
		return [...this.adAccounts.values()]
			.filter((a) => !a.deleted && a.ownerId === userId)
			.sort((a, b) => compareIds(a.id, b.id));
	}

	deleteAdAccount(id: string): boolean {
		const acc = this.adAccount(id);
		if (!acc) return false;
		acc.deleted = true;
		return true;
	}

	// ---- customer lists ----

	customerList(adAccountId: string, id: string): CustomerListRecord | undefined {
		const list = this.customerLists.get(id);
		return list && list.adAccountId === adAccountId ? list : undefined;
	}

	customerListsOf(adAccountId: string): CustomerListRecord[] {
		const ids = this.listIdsByAccount.get(adAccountId) ?? [];
		return ids.map((id) => this.customerLists.get(id) as CustomerListRecord);
	}

	createCustomerList(
		adAccountId: string,
		name: string,
		listType: UserListType,
		records: string[],
		opts: { settled?: boolean; createdTime?: number } = {},
	): CustomerListRecord {
		const t = opts.createdTime ?? nowSec();
		const list: CustomerListRecord = {
			id: this.newId(),
			adAccountId,
			name,
			listType,
			createdTime: t,
			updatedTime: t,
			numBatches: 1,
			numUploaded: records.length,
			numRemoved: 0,
			members: new ListMembers(records),
			status: 'PROCESSING',
			lastWriteAt: Date.now(),
			processedSize: null,
			exceptions: {},
		};
		if (opts.settled) this.process(list);
		this.customerLists.set(list.id, list);
		this.idsOf(this.listIdsByAccount, adAccountId).push(list.id);
		return list;
	}

	updateCustomerList(list: CustomerListRecord, op: 'ADD' | 'REMOVE', records: string[]): void {
		if (op === 'ADD') {
			for (const r of records) list.members.add(r);
			list.numUploaded += records.length;
		} else {
			for (const r of records) list.members.delete(r);
			list.numRemoved += records.length;
		}
		list.numBatches += 1;
		list.updatedTime = nowSec();
		list.status = 'PROCESSING';
		list.lastWriteAt = Date.now();
	}

	/** Applies the processing rule if the list has been PROCESSING long enough. */
	settleList(list: CustomerListRecord): void {
		if (list.status !== 'PROCESSING') return;
		if (Date.now() - list.lastWriteAt < this.settings.processingDelayMs) return;
		this.process(list);
	}

	private process(list: CustomerListRecord): void {
		list.processedSize = list.members.size;
		list.status = list.processedSize >= this.settings.audienceMinimumSize ? 'READY' : 'TOO_SMALL';
	}

	renderCustomerList(list: CustomerListRecord): CustomerList {
		return {
			id: list.id,
			ad_account_id: list.adAccountId,
			name: list.name,
			created_time: list.createdTime,
			updated_time: list.updatedTime,
			num_batches: list.numBatches,
			num_uploaded_user_records: list.numUploaded,
			num_removed_user_records: list.numRemoved,
			status: list.status,
			type: 'customerlist',
			exceptions: list.exceptions,
		};
	}

	// ---- audiences ----

	/** Live (not removed) audience of the ad account, or undefined. */
	audience(adAccountId: string, id: string): AudienceRecord | undefined {
		const aud = this.audiences.get(id);
		return aud && aud.adAccountId === adAccountId && !aud.deleted ? aud : undefined;
	}

	audiencesOf(adAccountId: string): AudienceRecord[] {
		const ids = this.audienceIdsByAccount.get(adAccountId) ?? [];
		const out: AudienceRecord[] = [];
		for (const id of ids) {
			const aud = this.audiences.get(id) as AudienceRecord;
			if (!aud.deleted) out.push(aud);
		}
		return out;
	}

	createAudience(
		adAccountId: string,
		fields: {
			name: string;
			audienceType: AudienceType;
			description: string | null;
			rule: AudienceRule;
			fixedSize?: number | null;
		},
		opts: { settled?: boolean; createdTimestamp?: number } = {},
	): AudienceRecord {
		const t = opts.createdTimestamp ?? nowSec();
		const aud: AudienceRecord = {
			id: this.newId(),
			adAccountId,
			name: fields.name,
			audienceType: fields.audienceType,
			description: fields.description,
			rule: fields.rule,
			createdTimestamp: t,
			updatedTimestamp: t,
			createdByCompanyName: 'ACME',
			deleted: false,
			createdAt: Date.now(),
			settled: opts.settled === true,
			fixedSize: fields.fixedSize ?? null,
			sharedWith: new Set(),
		};
		this.audiences.set(aud.id, aud);
		this.idsOf(this.audienceIdsByAccount, adAccountId).push(aud.id);
		return aud;
	}

	/**
	 * Audiences other ad accounts shared with this one (`ownership_type=RECEIVED`). Pinterest sorts them
	 * by sharing event time; the emulator by ID, like owned audiences, so that one bookmark scheme serves both.
	 */
	receivedAudiencesOf(adAccountId: string): AudienceRecord[] {
		return [...this.audiences.values()]
			.filter((aud) => !aud.deleted && aud.sharedWith.has(adAccountId))
			.sort((a, b) => compareIds(a.id, b.id));
	}

	shareAudience(aud: AudienceRecord, recipientAdAccountId: string): void {
		aud.sharedWith.add(recipientAdAccountId);
	}

	removeAudience(aud: AudienceRecord): void {
		aud.deleted = true;
		aud.updatedTimestamp = nowSec();
	}

	/** The customer list behind a CUSTOMER_LIST audience. */
	listOfAudience(aud: AudienceRecord): CustomerListRecord | undefined {
		if (aud.audienceType !== 'CUSTOMER_LIST') return undefined;
		const id = aud.rule.customer_list_id;
		return typeof id === 'string' ? this.customerList(aud.adAccountId, id) : undefined;
	}

	/** Current size for seeding decisions (ACTALIKE): members of the list, or the fixed size. */
	effectiveSize(aud: AudienceRecord): number {
		const list = this.listOfAudience(aud);
		if (list) return list.members.size;
		return aud.fixedSize ?? 0;
	}

	renderAudience(aud: AudienceRecord, fresh = false): Audience {
		let status: Audience['status'] = 'INITIALIZING';
		let size: number | null = null;
		if (!fresh && !aud.settled && Date.now() - aud.createdAt >= this.settings.processingDelayMs) {
			aud.settled = true;
		}
		if (!fresh && aud.settled) {
			if (aud.audienceType === 'CUSTOMER_LIST') {
				const list = this.listOfAudience(aud);
				if (list) this.settleList(list);
				const processed = list ? list.processedSize : null;
				if (processed !== null) {
					status = processed >= this.settings.audienceMinimumSize ? 'READY' : 'TOO_SMALL';
					size = status === 'READY' ? processed : null;
				}
			} else if (aud.fixedSize !== null && aud.fixedSize >= this.settings.audienceMinimumSize) {
				status = 'READY';
				size = aud.fixedSize;
			} else {
				status = 'TOO_SMALL';
			}
		}
		return {
			id: aud.id,
			ad_account_id: aud.adAccountId,
			name: aud.name,
			audience_type: aud.audienceType,
			description: aud.description,
			rule: aud.rule,
			size,
			status,
			type: 'audience',
			created_timestamp: aud.createdTimestamp,
			updated_timestamp: aud.updatedTimestamp,
			created_by_company_name: aud.createdByCompanyName,
		};
	}

	private idsOf(map: Map<string, string[]>, adAccountId: string): string[] {
		let ids = map.get(adAccountId);
		if (!ids) {
			ids = [];
			map.set(adAccountId, ids);
		}
		return ids;
	}
}
