'use strict';
/** The emulator's admin API, as the benchmarks read it: JSON calls and its request log. */
const { httpJson } = require('../../scripts/lib/n8n');

/** `method url` with a JSON body → the parsed JSON answer; throws on an HTTP error. */
async function emulatorJson(method, url, body, headers) {
	const res = await httpJson(method, url, body, headers);
	if (res.status >= 400)
		throw new Error(`${method} ${url} → ${res.status}: ${res.text.slice(0, 300)}`);
	return res.body ?? null;
}

/** Request-log entries after `since` (a log sequence number). */
async function logSince(emulatorUrl, since) {
	return (await emulatorJson('GET', `${emulatorUrl}/_emulator/log?since=${since}`)).entries;
}

/** The sequence number of the newest entry: entries after it belong to what runs next. */
async function lastLogSeq(emulatorUrl) {
	const { entries } = await emulatorJson('GET', `${emulatorUrl}/_emulator/log?category=admin`);
	return entries.length ? entries[entries.length - 1].seq : 0;
}

module.exports = { emulatorJson, logSince, lastLogSeq };
