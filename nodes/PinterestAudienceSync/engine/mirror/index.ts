/** Mirror: the input is the list's membership; its memory of what was synced says what to add and remove. */
export * from './memory';
export * from './mirrorRun';
export * from './sortedDigests';
export * from './state';
