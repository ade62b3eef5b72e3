/** What executions and workers share: locks, Redis settings from the environment, timers. */
export * from './fileLocks';
export * from './locks';
export * from './redisSettings';
export * from './timers';
export * from './redisScripts';
export * from './recentReads';
