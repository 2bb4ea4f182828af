/**
 * Exit codes and the one-line error report. gRPC failures print `ERROR: <CODE>: <details>` and
 * exit 64 + the status code (as grpcurl does); other failures print `vmrpc CMD: <message>`,
 * with a hint where the error has none, and exit 1; command-line mistakes exit 2.
 */
import type * as Rpc from '@vmrpc/rpc';
import type { Writable } from 'node:stream';

/** Success. */
export const EXIT_OK = 0;
/** The operation failed (connection refused, timeout, I/O error...). */
export const EXIT_FAILURE = 1;
/** The command line is wrong (unknown option, missing argument, malformed target). */
export const EXIT_USAGE = 2;
/** A call that ended with gRPC status N exits with GRPC_EXIT_BASE + N. */
export const GRPC_EXIT_BASE = 64;

/** A failure the CLI describes itself: printed as `vmrpc CMD: message`, exit code `exitCode`. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = EXIT_FAILURE, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}

/** A mistake in the command line: reported with a pointer to --help, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

interface GrpcStatusError {
  code: number;
  details: string;
}

function grpcStatusOf(error: unknown): GrpcStatusError | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, details } = error as Error & { code?: unknown; details?: unknown };
  return typeof code === 'number' && typeof details === 'string' ? { code, details } : undefined;
}

function stringCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as Error & { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

// Advice for codes whose errors do not carry a hint of their own.
const HINTS: { readonly [code: string]: string } = {
  ETIMEDOUT: 'no answer in time: is the peer VM running? raise --connect-timeout',
  ECONNRESET: 'the peer closed the connection',
  EPIPE: 'the peer closed the connection',
};

/** The exit code for an error thrown by a command. */
export function exitCodeOf(error: unknown): number {
  if (error instanceof CliError) return error.exitCode;
  if (error instanceof UsageError) return EXIT_USAGE;
  if (stringCode(error) === 'ERR_VMRPC_INVALID_TARGET') return EXIT_USAGE;
  const status = grpcStatusOf(error);
  if (status !== undefined) return GRPC_EXIT_BASE + status.code;
  return EXIT_FAILURE;
}

/**
 * A gRPC status code's name, from @vmrpc/rpc loaded on first use: only the commands that make
 * gRPC calls meet a status, and they have loaded it already; the others start without it.
 */
function statusName(code: number): string {
  return (require('@vmrpc/rpc') as typeof Rpc).statusName(code);
}

/** The one line that describes `error` (no command prefix). */
export function describeError(error: unknown): string {
  const status = grpcStatusOf(error);
  if (status !== undefined) return `ERROR: ${statusName(status.code)}: ${status.details}`;
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  const hint = HINTS[stringCode(error) ?? ''];
  // Errors of @vmrpc/native end with their own hint in parentheses.
  return hint === undefined || message.endsWith(')') ? message : `${message} (${hint})`;
}

/**
 * The lines after the first of a @vmrpc error's message: a hint that spans lines (the addon that
 * did not load names the fix for each package manager), printed in full, not cut to the first line.
 */
function hintLines(error: unknown): string[] {
  if (!(stringCode(error) ?? '').startsWith('ERR_VMRPC_') || !(error instanceof Error)) return [];
  return error.message.split('\n').slice(1);
}

/** Writes the error line for command `command` (and the stack with --debug). */
export function reportError(command: string, error: unknown, io: { stderr: Writable; debug: boolean }): void {
  const line = describeError(error);
  const usage = error instanceof UsageError;
  io.stderr.write(line.startsWith('ERROR: ') ? `${line}\n` : `vmrpc ${command}: ${line}${usage ? ` (see vmrpc ${command} --help)` : ''}\n`);
  for (const hint of hintLines(error)) io.stderr.write(`${hint}\n`);
  if (io.debug && error instanceof Error && error.stack !== undefined) io.stderr.write(`${error.stack}\n`);
}
