/** Sync Users, Braze's Canvas step: its parameters (`description`) beside the code that runs it. */
export { description } from './description';
export { execute } from './syncUsers.operation';
