'use strict';
/**
 * jest's node environment, with two additions so that jest's workers end in time and jest does not warn
 * "A worker process has failed to exit gracefully" (it allows a worker 500 ms after the end of the run):
 * - Timers a test file leaves behind stop keeping its worker alive once the file is done. The write
 *   limiter holds each slot for its window (about a second) after a write starts, so a file whose last
 *   write started just before it ended still has that timer pending. Such timers are unref'd at
 *   teardown; their callbacks belong to a finished file anyway.
 * - A worker exits as soon as jest tells it the run is over, instead of first tearing down its heap
 *   (hundreds of MB), which on a busy 2-core machine can take longer than those 500 ms.
 */
const { promisify } = require('util');
const { TestEnvironment } = require(
	require.resolve('jest-environment-node', { paths: [require.resolve('jest-config')] }),
);

/** jest-worker's message to a worker process that the run is over. */
const CHILD_MESSAGE_END = 2;
const EXIT_AT_END = Symbol.for('n8n-nodes-pinterest-audience-sync.test.exitAtEnd');

/** In a jest worker process (not with --runInBand), once per process. */
function exitAtEndOfRun() {
	if (typeof process.send !== 'function' || process[EXIT_AT_END]) return;
	process[EXIT_AT_END] = true;
	process.on('message', (message) => {
		if (Array.isArray(message) && message[0] === CHILD_MESSAGE_END)
			setImmediate(() => process.exit());
	});
}

class TestEnvironmentReleasingTimers extends TestEnvironment {
	constructor(config, context) {
		super(config, context);
		const pending = new Set();
		const { setTimeout: realSetTimeout, clearTimeout: realClearTimeout } = this.global;
		this.global.setTimeout = function setTimeout(callback, ms, ...args) {
			if (typeof callback !== 'function') return realSetTimeout(callback, ms, ...args);
			const timer = realSetTimeout(
				function fired(...callbackArgs) {
					pending.delete(timer);
					return callback.apply(this, callbackArgs);
				},
				ms,
				...args,
			);
			pending.add(timer);
			return timer;
		};
		this.global.setTimeout[promisify.custom] = realSetTimeout[promisify.custom];
		this.global.clearTimeout = function clearTimeout(timer) {
			pending.delete(timer);
			return realClearTimeout(timer);
		};
		this.pendingTimers = pending;
		exitAtEndOfRun();
	}

	async teardown() {
		for (const timer of this.pendingTimers) if (typeof timer.unref === 'function') timer.unref();
		this.pendingTimers.clear();
		await super.teardown();
	}
}

module.exports = TestEnvironmentReleasingTimers;
