import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { HarnessError } from './errors.js';
import { formatMs } from './progress.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CommandOptions {
  timeoutMs: number;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** What this command is for, used in error messages. */
  stage: string;
  /** Written to the command's stdin (otherwise stdin is /dev/null). */
  input?: Buffer;
}

/** Runs a short helper command (apt, dpkg...) and fails with a readable error on timeout or non-zero exit. */
export async function runCommand(file: string, args: string[], options: CommandOptions): Promise<CommandResult> {
  const result = await runCommandUnchecked(file, args, options);
  if (result.code !== 0) {
    throw new HarnessError(
      `${options.stage}: \`${[file, ...args].join(' ')}\` exited with code ${result.code}\n${tail(result.stderr || result.stdout, 20)}`,
    );
  }
  return result;
}

/** Like runCommand but returns non-zero exit codes instead of throwing (timeouts still throw). */
export async function runCommandUnchecked(file: string, args: string[], options: CommandOptions): Promise<CommandResult> {
  const result = await runCommandBuffers(file, args, options);
  return { code: result.code, stdout: result.stdout.toString('utf8'), stderr: result.stderr.toString('utf8') };
}

/** Runs a command whose stdout is binary (a decompressor); throws on failure. */
export async function runCommandBinary(file: string, args: string[], options: CommandOptions): Promise<Buffer> {
  const result = await runCommandBuffers(file, args, options);
  if (result.code !== 0) {
    throw new HarnessError(`${options.stage}: \`${[file, ...args].join(' ')}\` exited with code ${result.code}\n${tail(result.stderr.toString('utf8'), 20)}`);
  }
  return result.stdout;
}

function runCommandBuffers(
  file: string,
  args: string[],
  options: CommandOptions,
): Promise<{ code: number; stdout: Buffer; stderr: Buffer }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => out.push(chunk));
    child.stderr!.on('data', (chunk: Buffer) => err.push(chunk));
    if (options.input !== undefined) {
      // EPIPE when the tool stops reading early; its exit code tells what happened.
      child.stdin!.on('error', () => undefined);
      child.stdin!.end(options.input);
    }
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new HarnessError(
          `${options.stage}: \`${[file, ...args].join(' ')}\` did not finish within ${formatMs(options.timeoutMs)}\n` +
            tail(Buffer.concat(err).toString('utf8') || Buffer.concat(out).toString('utf8'), 20),
        ),
      );
    }, options.timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(new HarnessError(`${options.stage}: cannot run ${file}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal !== null ? 128 : 1), stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
    });
  });
}

/** The absolute path of an executable found on PATH, or undefined. */
export function findOnPath(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(delimiter);
  for (const dir of dirs) {
    if (dir === '') continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/** The last `count` non-empty lines of a text, for error messages. */
export function tail(text: string, count: number): string {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  return lines.slice(-count).join('\n');
}
