/**
 * The engine's Lua scripts for Redis locks, each once. KEYS[1] is a lock's key; ARGV[1] its holder's
 * token. A holder whose lease lapsed no longer matches, so it can neither extend, release nor write
 * under the next holder's lock.
 */

/** Extends the lease (ARGV[2] ms) only while the key still holds this holder's token. */
export const RENEW_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;

/** Deletes the key only while it still holds this holder's token. */
export const RELEASE_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;

/** Sets KEYS[2] to ARGV[2] only while the lock KEYS[1] holds this holder's token; 1 when written. */
export const WRITE_IF_HELD = `if redis.call('get', KEYS[1]) == ARGV[1] then redis.call('set', KEYS[2], ARGV[2]) return 1 end return 0`;
