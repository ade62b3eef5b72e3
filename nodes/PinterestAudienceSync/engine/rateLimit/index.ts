/** Pinterest's write limit per Pinterest user: in this process, or across workers through Redis. */
export * from './redisStarts';
export * from './window';
export * from './writeLimiter';
