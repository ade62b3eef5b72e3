/**
 * Pinterest's limits and the node's defaults for Sync Users, in one place: the options' descriptions
 * (defaults, bounds, help texts), their checks when the node runs, and the engine all read them here.
 */

/** The lowest and highest value of a numeric option, in the unit the option is entered in. */
export interface Bounds {
	readonly min: number;
	readonly max: number;
}

/**
 * Records per customer-list request. Pinterest documents no maximum; 1,900 is Braze's figure, the only
 * one known to work.
 */
export const MAX_USERS_PER_REQUEST = 1900;
/**
 * Write requests per second per Pinterest user: Pinterest's ads_write quota is 400 a minute (about 6.7 a
 * second), and Braze paces its writes at 7 a second.
 */
export const MAX_WRITES_PER_SECOND = 7;
/** Braze keeps retrying rate-limited users for about 13 hours. */
export const MAX_RETRY_WINDOW_MINUTES = 780;

export const BATCH_SIZE_BOUNDS: Bounds = { min: 1, max: MAX_USERS_PER_REQUEST };
export const DEFAULT_BATCH_SIZE = MAX_USERS_PER_REQUEST;
export const REQUESTS_PER_SECOND_BOUNDS: Bounds = { min: 0.1, max: MAX_WRITES_PER_SECOND };
export const DEFAULT_REQUESTS_PER_SECOND = MAX_WRITES_PER_SECOND;
export const RETRY_WINDOW_MINUTES_BOUNDS: Bounds = { min: 0, max: MAX_RETRY_WINDOW_MINUTES };
export const DEFAULT_RETRY_WINDOW_MINUTES = 15;
export const FLUSH_WINDOW_SECONDS_BOUNDS: Bounds = { min: 0, max: 60 };
export const DEFAULT_FLUSH_WINDOW_SECONDS = 5;
export const REQUEST_TIMEOUT_SECONDS_BOUNDS: Bounds = { min: 1, max: 600 };
export const DEFAULT_REQUEST_TIMEOUT_SECONDS = 30;

export const MS_PER_SECOND = 1000;
export const MS_PER_MINUTE = 60 * MS_PER_SECOND;

/** How long a mirror run waits for another mirror of the same list to finish. */
export const DEFAULT_MIRROR_LOCK_WAIT_MS = 10 * MS_PER_MINUTE;
