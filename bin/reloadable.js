#!/usr/bin/env node
'use strict';
// The CLI is one bundled file; see cli/src/main.ts.
require('../cli/out/reloadable.js')
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  });
