#!/usr/bin/env node
/** The `vmrpc` executable. */
import { main } from '../main';
import { EXIT_OUTPUT_CLOSED, readerGone } from '../output';

// A write that fails outside a command's run (its error can come a tick after the command
// returned): the reader went away (`vmrpc list | head -0`) is a quiet 141, anything else one
// line; never Node's stack. While a command runs, its own watch reports (command.ts).
const onOutputError = (error: Error): void => {
  process.exitCode = readerGone(error) ? EXIT_OUTPUT_CLOSED : 1;
  const commandWatching = process.stdout.listeners('error').some((listener) => listener !== onOutputError);
  if (!readerGone(error) && !commandWatching) process.stderr.write(`vmrpc: cannot write to stdout: ${error.message}\n`);
};
process.stdout.on('error', onOutputError);
// stderr's reader gone (`2> >(head -0)`, a supervisor that closed the pipe): diagnostics that
// cannot be written are dropped; the command's exit code and its stdout stay as they are.
process.stderr.on('error', () => undefined);

main(process.argv.slice(2)).then(
  (code) => {
    // A failed write already set the code; the command's own comes second.
    if (process.exitCode === undefined) process.exitCode = code;
    // Commands close what they open; should anything still hold the event loop, do not hang.
    setTimeout(() => process.exit(), 2000).unref();
  },
  (error: unknown) => {
    process.stderr.write(`vmrpc: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
