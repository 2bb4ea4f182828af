/** Runs the built `vmrpc` bin as a child process, the way an operator does, with a bound on the wait. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The repository root (tests run from test/.build/cli). */
export const repoRoot = path.resolve(here, '../../..');
export const vmrpcBin = path.join(repoRoot, 'packages/cli/dist/bin/vmrpc.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: Buffer;
  stderr: string;
}

/** A started `vmrpc` process and its collected output. */
export interface CliProcess {
  child: ChildProcess;
  /** Resolves when the process exits (rejects if it runs longer than the bound). */
  done: Promise<CliResult>;
  /** Resolves with stderr so far once it matches `pattern` (bounded). */
  stderrMatches(pattern: RegExp, ms?: number): Promise<string>;
  /** Resolves once stdout so far includes `text` (bounded). */
  stdoutIncludes(text: string, ms?: number): Promise<void>;
}

/** Starts `vmrpc ARGS`; `input` is written to stdin and stdin ended (undefined: stdin left open). */
export function startCli(args: readonly string[], input?: Buffer | string | Readable, ms = 20_000): CliProcess {
  const child = spawn(process.execPath, [vmrpcBin, ...args], { cwd: repoRoot, stdio: ['pipe', 'pipe', 'pipe'] });
  const stdout: Buffer[] = [];
  let stderr = '';
  const stderrWatchers = new Set<() => void>();
  child.stdout!.on('data', (chunk: Buffer) => stdout.push(chunk));
  child.stderr!.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    for (const watcher of stderrWatchers) watcher();
  });
  // A child that exits before reading all of stdin must not fail the test with EPIPE.
  child.stdin!.on('error', () => undefined);
  if (typeof input === 'string' || Buffer.isBuffer(input)) child.stdin!.end(input);
  else if (input !== undefined) input.pipe(child.stdin!);
  const done = new Promise<CliResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`vmrpc ${args.join(' ')}: still running after ${ms} ms; stderr: ${stderr}`));
    }, ms);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout), stderr });
    });
  });
  const stderrMatches = (pattern: RegExp, bound = 10_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        if (!pattern.test(stderr)) return;
        cleanup();
        resolve(stderr);
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`stderr did not match ${pattern} within ${bound} ms: ${JSON.stringify(stderr)}`));
      }, bound);
      const cleanup = (): void => {
        clearTimeout(timer);
        stderrWatchers.delete(check);
      };
      stderrWatchers.add(check);
      check();
    });
  const stdoutIncludes = async (text: string, bound = 10_000): Promise<void> => {
    const deadline = Date.now() + bound;
    while (!Buffer.concat(stdout).includes(text)) {
      if (Date.now() > deadline) throw new Error(`stdout did not include ${JSON.stringify(text)} within ${bound} ms`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  };
  return { child, done, stderrMatches, stdoutIncludes };
}

/** Runs `vmrpc ARGS` to the end (stdin: `input`, or empty), for at most `ms`. */
export function runCli(args: readonly string[], input: Buffer | string | Readable = '', ms?: number): Promise<CliResult> {
  return startCli(args, input, ms).done;
}

/**
 * Everything a socket sends until its end, with the hash. Listens for 'data' rather than
 * iterating with for-await, which destroys the socket at the end and so would cut a reply.
 */
export function collect(socket: Readable): Promise<{ bytes: number; hash: string }> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    let bytes = 0;
    socket.on('data', (chunk: Buffer) => {
      hash.update(chunk);
      bytes += chunk.length;
    });
    socket.once('end', () => resolve({ bytes, hash: hash.digest('hex') }));
    socket.once('error', reject);
  });
}
