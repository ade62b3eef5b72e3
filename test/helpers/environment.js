'use strict';
/**
 * jest's node environment, with one addition: timers a test file leaves behind stop keeping its worker
 * alive once the file is done. The write limiter holds each slot for its window (about a second) after a
 * write starts, so a file whose last write started just before it ended still has that timer pending,
 * and jest would kill the worker and warn about a leak. Such timers are unref'd at teardown; their
 * callbacks belong to a finished file anyway.
 */
const { promisify } = require('util');
const { TestEnvironment } = require(require.resolve('jest-environment-node', { paths: [require.resolve('jest-config')] }));

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
	}

	async teardown() {
		for (const timer of this.pendingTimers) if (typeof timer.unref === 'function') timer.unref();
		this.pendingTimers.clear();
		await super.teardown();
	}
}

module.exports = TestEnvironmentReleasingTimers;
