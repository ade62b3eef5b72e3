'use strict';
/** The p-th percentile of an ascending array (nearest rank); undefined when empty. */
function percentile(sorted, p) {
	if (sorted.length === 0) return undefined;
	return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

module.exports = { percentile };
