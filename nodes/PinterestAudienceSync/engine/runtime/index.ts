/** The one object per process that owns what outlives an execution. */
export * from './engineRuntime';
