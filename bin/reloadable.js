#!/usr/bin/env node
'use strict';
const path = require('node:path');
// A larger young generation: parsing thousands of modules makes many short-lived nodes, and the default
// semi-space makes the collector run far more often than the work needs (about a quarter of the time).
require('node:v8').setFlagsFromString('--max-semi-space-size=32');
// The CLI is one bundled file (see cli/src/main.ts). The analysis commands load it with V8's code cache.
// `run` does not: on Node 20 a script restored from a code cache loses its dynamic-import callback, so every
// `import()` in it fails, and `run` imports the app's ES packages; its start is the app's, not the bundle's.
const bundle = path.join(__dirname, '../cli/out/reloadable.js');
const load = process.argv[2] === 'run' ? require : require('./cached-require.js');
load(bundle)
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
