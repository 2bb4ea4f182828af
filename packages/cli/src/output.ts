/**
 * stdout that stops being writable: `vmrpc call ... | head -1` closes the pipe, and the next
 * write fails with EPIPE. Commands then stop (a call is cancelled, a socket closed) and the
 * process exits 141 without a word, as a tool killed by SIGPIPE (128 + 13) shows to the shell.
 */
import type { Writable } from 'node:stream';

/** The exit code once stdout's reader has gone: 128 + SIGPIPE, as `cat` or `yes` show under `set -o pipefail`. */
export const EXIT_OUTPUT_CLOSED = 141;

/** Watches a command's stdout while the command runs. */
export interface OutputWatch {
  /** Aborted when a write to stdout failed; its reason is the error. */
  readonly signal: AbortSignal;
  /** Stops watching (a stream that failed stays watched: a late error must not be unhandled). */
  dispose(): void;
}

/** Starts watching `stdout` for write errors. */
export function watchOutput(stdout: Writable): OutputWatch {
  const failed = new AbortController();
  const onError = (error: Error): void => failed.abort(error);
  stdout.on('error', onError);
  return {
    signal: failed.signal,
    dispose: () => {
      if (!failed.signal.aborted) stdout.removeListener('error', onError);
    },
  };
}

/** Whether the failed write means the reader went away (a closed pipe), which is no error to report. */
export function readerGone(error: unknown): boolean {
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === 'EPIPE' || code === 'ERR_STREAM_DESTROYED';
}
