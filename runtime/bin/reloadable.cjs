#!/usr/bin/env node
'use strict';
// The `reloadable` command. Kept small and in CommonJS: everything else is loaded from the package's built files.
const path = require('node:path');
const Module = require('node:module');

// The package's engines, said as a fix rather than as a stack trace from the first native module that refuses.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 19) || major === 21 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `reloadable: Node ${process.version} is too old for it: use Node 20.19 or newer, 22.12 or newer, or 24 (\`node --version\` says which node runs).\n`,
  );
  process.exit(2);
}

const { privateCacheFolder, cachedRequire } = require('./cached-require.cjs');
// Node 22.1 and newer keep V8's code cache of every module they compile, when asked: the CLI's bundles, and the
// app's packages under `run`. The folder is a private one of ours (code read from a folder others can write to would
// run as ours). Node 20 has no such thing: there the analyser's bundle, most of whose 10 MB is TypeScript, is loaded
// through a code cache of our own, and the rest compiles at each start.
const compileCache = typeof Module.enableCompileCache === 'function' ? enableCompileCache() : false;

const out = path.join(__dirname, '../out');
const analysisBundle = path.join(out, 'analysis.cjs');
require(path.join(out, 'cli.cjs'))
  .main(process.argv.slice(2), {
    // Asked only by `check` and `graph`: `run`, `reload` and `status` never load TypeScript.
    analysis: async () => (compileCache ? require(analysisBundle) : cachedRequire(analysisBundle)),
  })
  .then((code) => {
    process.exitCode = code;
    // `run` resolves once the app runs, long before the process exits: what it compiled is kept now.
    if (compileCache) Module.flushCompileCache?.();
  });

function enableCompileCache() {
  try {
    const folder = privateCacheFolder();
    return folder !== undefined && Module.enableCompileCache(path.join(folder, 'node')).status !== Module.constants.compileCacheStatus.FAILED;
  } catch {
    return false;
  }
}
