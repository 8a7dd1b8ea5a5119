// `--import <runtime>/out/register.mjs`: what a worker thread or a forked process of the app needs to run its
// TypeScript files. They are compiled the way the runtime compiles them, but not reloaded: a worker is a
// process of its own that the version which started it stops.
import * as fs from 'node:fs';
import Module, { createRequire, register } from 'node:module';
import * as path from 'node:path';

register('./transform-hooks.mjs', import.meta.url);

const require = createRequire(import.meta.url);
const extensions = (Module as unknown as { _extensions: Record<string, (module: any, filename: string) => void> })._extensions;
// A CommonJS TypeScript file (a .cts, or a .ts of a CommonJS package) is required: compiled to CommonJS.
for (const extension of ['.ts', '.cts', '.tsx']) {
  extensions[extension] = (module, filename) => {
    const esbuild = require('esbuild') as typeof import('esbuild');
    const { code } = esbuild.transformSync(fs.readFileSync(filename, 'utf8'), {
      loader: path.extname(filename) === '.tsx' ? 'tsx' : 'ts',
      format: 'cjs',
      sourcefile: filename,
      sourcemap: 'inline',
      target: `node${process.versions.node.split('.')[0]}`,
    });
    module._compile(code, filename);
  };
}
