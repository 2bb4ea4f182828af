#!/usr/bin/env node
/** The `vmrpc` executable. */
import { main } from '../main';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    // Commands close what they open; should anything still hold the event loop, do not hang.
    setTimeout(() => process.exit(), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`vmrpc: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
