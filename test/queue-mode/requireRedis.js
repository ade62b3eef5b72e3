'use strict';
/**
 * Global setup of the queue-mode tests (`npm run test:queue-mode`): they start their own throw-away
 * redis-server processes, so they need the binary. Without it the run stops here with what to install,
 * instead of a failure per test.
 */
const { spawnSync } = require('child_process');

module.exports = async function requireRedis() {
	const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
	if (probe.status === 0) return;
	throw new Error(
		[
			'The queue-mode tests need redis-server on the PATH, and it is missing.',
			'Install it (Debian/Ubuntu package redis-server): sudo bash scripts/redis.sh install',
			'  (or: sudo apt-get install -y redis-server). The tests start and stop their own servers on free ports.',
		].join('\n'),
	);
};
