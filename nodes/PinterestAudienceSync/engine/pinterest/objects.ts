/**
 * Pinterest API v5 objects, as far as this node reads them. IDs stay strings: they are up to 18 digits,
 * beyond what a JavaScript number holds exactly.
 */
export interface PinterestPage<T> {
	items: T[];
	bookmark: string | null;
}

export interface PinterestUserAccount {
	id: string;
	username?: string;
	account_type?: string;
}

export interface PinterestAdAccount {
	id: string;
	name?: string;
	owner?: { id?: string; username?: string };
	country?: string;
	currency?: string;
	permissions?: string[];
}

export interface PinterestAudience {
	id: string;
	ad_account_id?: string;
	name?: string;
	audience_type?: string;
	description?: string | null;
	rule?: {
		customer_list_id?: string;
		seed_id?: string[] | string;
		country?: string;
		percentage?: number | string;
	};
	size?: number | null;
	status?: string;
	type?: string;
	created_timestamp?: number | null;
	updated_timestamp?: number | null;
}

export interface PinterestCustomerList {
	id: string;
	ad_account_id?: string;
	name?: string;
	num_batches?: number;
	num_uploaded_user_records?: number;
	num_removed_user_records?: number;
	status?: string;
	type?: string;
	created_time?: number;
	updated_time?: number;
	exceptions?: Record<string, unknown>;
}
