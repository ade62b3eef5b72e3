/** Pinterest's API as the engine sees it: the client it calls, the objects, errors, limits and paging. */
export * from './client';
export * from './errors';
export * from './limits';
export * from './objects';
export * from './paging';
