/** One execution's sync, from the node's users to its outcomes and metrics. */
export { Coalescing } from './coalescing';
export type { Contribution, DispatchSettings } from './dispatcher';
export { Dispatchers, ListDispatcher } from './dispatcher';
export { runSync } from './runSync';
export { notSyncedResult } from './tally';
export * from './types';
