/** Every failure in a marketer's words: what happened, to which ad account or audience, what to do. */
export * from './describeFailure';
