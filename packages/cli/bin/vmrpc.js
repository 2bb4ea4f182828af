#!/usr/bin/env node
// The package's bin. A committed file rather than dist/bin/vmrpc.js itself, so that pnpm links
// `vmrpc` at install time, before the first build has made dist/.
require('../dist/bin/vmrpc.js');
