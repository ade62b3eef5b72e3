/** The one request path: retries with backoff within the retry window, and one token refresh at a time. */
export * from './authGate';
export * from './callPinterest';
