#!/usr/bin/env node
// The package's bin. A committed file rather than dist/bin/vmrpc.js itself, so that pnpm links
// `vmrpc` at install time, before the first build has made dist/.
// The compiled code of the command and its packages is kept on disk between runs (Node 22.1 and
// later; in os.tmpdir()/node-compile-cache, or NODE_COMPILE_CACHE; NODE_DISABLE_COMPILE_CACHE=1
// turns it off): a command starts sooner from its second run on. Where it is missing, nothing changes.
require('node:module').enableCompileCache?.();
require('../dist/bin/vmrpc.js');
