'use strict';
/**
 * What the processes of one group (a `n8n start` and its task runners) use, read from Linux's /proc:
 * the benchmarks' figures for n8n's own memory and CPU. Empty where /proc is absent.
 */
const fs = require('node:fs');

/** Linux's USER_HZ, the unit of /proc/<pid>/stat times, is 100 on every architecture Node runs on. */
const CLOCK_TICKS_PER_SECOND = 100;

/** The live processes of group `pgid`: pid, the fields of /proc/<pid>/stat after the command name, and the pid's folder. */
function groupProcesses(pgid) {
	if (!pgid || !fs.existsSync('/proc/self/stat')) return [];
	const found = [];
	for (const entry of fs.readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		let stat;
		try {
			stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
		} catch {
			continue; // the process ended meanwhile
		}
		// Fields after the command name (which may hold spaces): state, ppid, pgrp, … utime(11), stime(12).
		const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
		if (Number(fields[2]) === pgid) found.push({ pid: Number(entry), fields });
	}
	return found;
}

/** Peak RSS (VmHWM, bytes) of each live process of the group, with its command line. */
function groupPeaks(pgid) {
	const peaks = [];
	for (const { pid } of groupProcesses(pgid)) {
		try {
			const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
			const hwm = /VmHWM:\s+(\d+) kB/.exec(status);
			const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
			if (hwm) peaks.push({ pid, cmd, peakRss: Number(hwm[1]) * 1024 });
		} catch {
			// the process ended meanwhile
		}
	}
	return peaks;
}

/** CPU seconds the group's live processes have used so far; undefined without /proc. */
function groupCpuSeconds(pgid) {
	if (!pgid || !fs.existsSync('/proc/self/stat')) return undefined;
	let ticks = 0;
	for (const { fields } of groupProcesses(pgid)) ticks += Number(fields[11]) + Number(fields[12]);
	return ticks / CLOCK_TICKS_PER_SECOND;
}

module.exports = { groupPeaks, groupCpuSeconds };
