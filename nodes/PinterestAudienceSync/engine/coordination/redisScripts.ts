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

/*
 * Pinterest's write window shared by every worker: KEYS[1] is a sorted set of write starts (member: one
 * write, score: when it counts from, in ms of Redis's own clock, so workers need no synchronised
 * clocks). A start counts for ARGV window ms; a worker that dies holds nothing longer than that.
 */

/**
 * Reserves one write start in one round trip. ARGV: slots, window ms, least ms between two starts (the
 * caller's), member, key expiry ms; KEYS[2] holds a wider spacing shared after a 429 (may be absent);
 * KEYS[3] the latest answers' round trips of every process (see RECORD_ANSWER). Returns
 * { wait, fastest }: wait 0 when the start was recorded, else the ms to wait before asking again (until
 * the start that keeps the window full leaves it, or until the spacing since the latest start has
 * passed); fastest: the fastest of those round trips in ms, -1 when none is known.
 */
export const RESERVE_WRITE_START = `
local clock = redis.call('time')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local slots = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('zremrangebyscore', KEYS[1], '-inf', now - window)
local spacing = math.max(tonumber(ARGV[3]), tonumber(redis.call('get', KEYS[2]) or '0') or 0)
local count = redis.call('zcard', KEYS[1])
local wait = 0
if count >= slots then
	local oldest = redis.call('zrange', KEYS[1], count - slots, count - slots, 'withscores')
	wait = tonumber(oldest[2]) + window - now
end
if count > 0 and spacing > 0 then
	local latest = redis.call('zrange', KEYS[1], -1, -1, 'withscores')
	wait = math.max(wait, tonumber(latest[2]) + spacing - now)
end
local fastest = -1
for _, answer in ipairs(redis.call('lrange', KEYS[3], 0, -1)) do
	local ms = tonumber(answer)
	if ms and (fastest < 0 or ms < fastest) then fastest = ms end
end
if wait > 0 then return { math.max(1, math.ceil(wait)), math.floor(fastest) } end
redis.call('zadd', KEYS[1], now, ARGV[4])
redis.call('pexpire', KEYS[1], ARGV[5])
return { 0, math.floor(fastest) }`;

/**
 * Records one answer's round trip (ARGV[1] ms) among the latest ARGV[2] of every process (KEYS[1], a
 * list); ARGV[3]: key expiry ms.
 */
export const RECORD_ANSWER = `
redis.call('lpush', KEYS[1], ARGV[1])
redis.call('ltrim', KEYS[1], 0, tonumber(ARGV[2]) - 1)
redis.call('pexpire', KEYS[1], ARGV[3])
return 1`;

/**
 * Moves a reserved start later: it counts from ARGV[2] ms ago, from -ARGV[2] ms on when negative (its
 * request left, will leave, or may have arrived later than it was reserved). ARGV: member, ms ago,
 * window ms, key expiry ms. Never moves a start
 * earlier; a start whose window is over stays out. Returns 1 when moved.
 */
export const MOVE_WRITE_START = `
local clock = redis.call('time')
local now = tonumber(clock[1]) * 1000 + tonumber(clock[2]) / 1000
local at = now - tonumber(ARGV[2])
if at <= now - tonumber(ARGV[3]) then return 0 end
local current = redis.call('zscore', KEYS[1], ARGV[1])
if current and tonumber(current) >= at then return 0 end
redis.call('zadd', KEYS[1], at, ARGV[1])
redis.call('pexpire', KEYS[1], ARGV[4])
return 1`;
