/** The node's dispatch by the Operation parameter: a workflow saved with an operation this version lacks. */
import { NodeOperationError } from 'n8n-workflow';

import type { Emulator } from '../../../../emulator';
import { startEmulator } from '../../../../emulator';
import { operationError, requestsSince } from './audience/audienceRun';

let emu: Emulator;
beforeAll(async () => {
	emu = await startEmulator();
});
afterAll(async () => {
	await emu.close();
});

describe('router', () => {
	it.each(['deleteAudience', 'toString', 'constructor'])(
		'refuses the unknown operation "%s" by name and calls nothing',
		async (operation) => {
			const since = emu.log.length;
			const error = await operationError(emu, { parameters: { operation } });
			expect(error).toBeInstanceOf(NodeOperationError);
			expect(error.message).toBe(`The operation "${operation}" is not supported`);
			expect(requestsSince(emu, since)).toEqual([]);
		},
	);
});
