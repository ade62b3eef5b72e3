/** Users into records: identifiers normalised and hashed, deduplicated, indexed per user. */
export * from './digestSet';
export * from './normalise';
export * from './records';
