#!/usr/bin/env node
'use strict';
// A larger young generation: parsing thousands of modules makes many short-lived nodes, and the default
// semi-space makes the collector run far more often than the work needs (about a quarter of the time).
require('node:v8').setFlagsFromString('--max-semi-space-size=32');
// The CLI is one bundled file (see cli/src/main.ts), loaded with V8's code cache.
require('./cached-require.js')(require('node:path').join(__dirname, '../cli/out/reloadable.js'))
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
