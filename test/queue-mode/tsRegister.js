/**
 * Lets `node -r ./test/queue-mode/tsRegister.js script.ts` run the TypeScript sources directly (the
 * same per-file transpilation jest uses), so the multi-process tests never depend on a stale dist/.
 */
'use strict';
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = function compileTypeScript(module, filename) {
	const source = fs.readFileSync(filename, 'utf8');
	const { outputText } = ts.transpileModule(source, {
		fileName: filename,
		compilerOptions: {
			module: ts.ModuleKind.CommonJS,
			target: ts.ScriptTarget.ES2020,
			esModuleInterop: true,
			preserveConstEnums: true,
			isolatedModules: true,
			sourceMap: false,
		},
	});
	module._compile(outputText, filename);
};
