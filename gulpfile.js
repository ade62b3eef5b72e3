const path = require('path');
const { task, src, dest, parallel } = require('gulp');

// n8n only serves icons that sit inside the loaded package folder, so every icon is copied into dist/.
function copyFrom(folder) {
	const copy = () =>
		src(path.resolve(folder, '**', '*.{png,svg}'), { encoding: false }).pipe(
			dest(path.resolve('dist', folder)),
		);
	copy.displayName = `copy ${folder} icons`;
	return copy;
}

task('build:icons', parallel(copyFrom('nodes'), copyFrom('credentials'), copyFrom('icons')));
