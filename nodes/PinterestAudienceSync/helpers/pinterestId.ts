/**
 * Pinterest IDs (ad accounts, audiences, customer lists) are strings of up to 18 digits; kept as strings
 * because they exceed JavaScript's safe integers. The editor's validation takes the pattern as text.
 */
export const PINTEREST_ID_PATTERN = '^\\d{1,18}$';

export const PINTEREST_ID = new RegExp(PINTEREST_ID_PATTERN);
