/** The audience and customer list users go to: found by ID or name, created once, shared while in use. */
export * from './lookups';
export * from './sharedTargets';
