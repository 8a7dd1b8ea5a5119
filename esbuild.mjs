// One context per output. `--production` minifies; `--metafile` writes out/meta/<name>.json for the
// bundle-content tests; `--watch` rebuilds on change.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';

const production = process.argv.includes('--production');
// `npm run build` asks for it: the bundle tests read what went into each output.
const metafile = process.argv.includes('--metafile');
const watch = process.argv.includes('--watch');
const { version } = JSON.parse(readFileSync('package.json', 'utf8'));
// The CLI and the runtime say the version of the package users install, which may move apart from the extension's.
const packageVersion = JSON.parse(readFileSync('runtime/package.json', 'utf8')).version;

/** @type {import('esbuild').BuildOptions} */
const node = {
  bundle: true,
  platform: 'node',
  // jsonc-parser's UMD build hides its requires from the bundler; its ESM build does not.
  mainFields: ['module', 'main'],
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  metafile,
  logLevel: 'warning',
  define: { RELOADABLE_VERSION: JSON.stringify(version) },
};

// Packages that load a native binary stay outside every bundle: they are loaded from node_modules.
const nativeModules = ['esbuild', 'oxc-transform', 'oxc-parser'];

/** The runtime's ES module outputs. Bundled CommonJS dependencies call require(); an ES module has to provide one. */
const esm = {
  ...node,
  format: 'esm',
  external: nativeModules,
  banner: { js: "import { createRequire as __reloadableRequire } from 'node:module'; const require = __reloadableRequire(import.meta.url);" },
};

const outputs = {
  extension: { ...node, entryPoints: ['client/src/extension.ts'], outfile: 'client/out/extension.js', external: ['vscode'] },
  server: { ...node, entryPoints: ['server/src/server.ts'], outfile: 'server/out/server.js' },
  // The `reloadable` command of the package users install (runtime/, `reloadable-node`): the CLI with the
  // runtime, loaded by runtime/bin/reloadable.cjs. esbuild and the oxc compilers load native binaries: they stay
  // outside, loaded from node_modules. The runtime finds its own files through __filename here, through
  // import.meta.url when it is an ES module. The analyser (TypeScript is most of its 10 MB) is a bundle of its own,
  // which `run`, `reload` and `status` never read. Whitespace and syntax minified in every build (names kept, so
  // stack traces still read): a third less for V8 to read at each start.
  cli: {
    ...node,
    entryPoints: ['cli/src/main.ts'],
    outfile: 'runtime/out/cli.cjs',
    external: nativeModules,
    define: { RELOADABLE_VERSION: JSON.stringify(packageVersion) },
    minifyWhitespace: true,
    minifySyntax: true,
    logOverride: { 'empty-import-meta': 'silent' },
  },
  'cli-analysis': {
    ...node,
    entryPoints: ['cli/src/commands/analysis-commands.ts'],
    outfile: 'runtime/out/analysis.cjs',
    minifyWhitespace: true,
    minifySyntax: true,
  },
  // The package's faces (its `exports`): the runtime, the control client (no runtime inside), the transform.
  runtime: { ...esm, entryPoints: ['runtime/src/index.ts'], outfile: 'runtime/out/index.js' },
  'runtime-client': { ...esm, entryPoints: ['runtime/src/client.ts'], outfile: 'runtime/out/client.js' },
  'runtime-transform': { ...esm, entryPoints: ['runtime/src/transform/index.ts'], outfile: 'runtime/out/transform.js' },
  // Node runs module hooks in a thread of their own, from a file of their own.
  'runtime-hooks': { ...esm, entryPoints: ['runtime/src/hooks/loader.ts'], outfile: 'runtime/out/hooks.mjs' },
  'runtime-register': { ...esm, entryPoints: ['runtime/src/hooks/register.ts'], outfile: 'runtime/out/register.mjs' },
  'runtime-transform-hooks': { ...esm, entryPoints: ['runtime/src/hooks/transform-hooks.ts'], outfile: 'runtime/out/transform-hooks.mjs' },
  // The module graph panel's script, for the webview (a browser): the layout library is bundled in.
  webview: {
    ...node,
    platform: 'browser',
    format: 'iife',
    mainFields: ['browser', 'module', 'main'],
    entryPoints: ['client/webview/main.ts'],
    outfile: 'client/out/webview/graph.js',
  },
  // The mocha suite the extension host runs (test/e2e); mocha loads its reporters by name, so it stays outside.
  'e2e-suite': {
    ...node,
    entryPoints: ['test/e2e/suite/index.ts'],
    outfile: 'out/test/e2e/index.js',
    external: ['vscode', 'mocha'],
    sourcemap: true,
  },
};

const contexts = await Promise.all(Object.entries(outputs).map(async ([name, options]) => [name, await esbuild.context(options)]));
if (watch) {
  await Promise.all(contexts.map(([, context]) => context.watch()));
} else {
  for (const [name, context] of contexts) {
    const result = await context.rebuild();
    if (metafile) {
      mkdirSync('out/meta', { recursive: true });
      writeFileSync(`out/meta/${name}.json`, JSON.stringify(result.metafile));
    }
    if (name === 'webview') copyFileSync('client/webview/graph.css', 'client/out/webview/graph.css');
    await context.dispose();
  }
}
