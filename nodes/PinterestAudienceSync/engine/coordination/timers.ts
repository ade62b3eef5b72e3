export const sleep = (ms: number): Promise<void> =>
	new Promise((resolve) => setTimeout(resolve, ms));

/** Lets pending I/O (answers, timers) run between slices of long synchronous work. */
export const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
