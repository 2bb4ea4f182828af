#!/usr/bin/env node
// The package's bin. A committed file rather than dist/cli/vmrpc-gen.js itself, so that pnpm can
// link `vmrpc-gen` at install time in this repository, before the first build has made dist/.
'use strict';
process.exitCode = require('../dist/cli/vmrpc-gen.js').main(process.argv.slice(2));
