import { spawn, type ChildProcess } from 'node:child_process';
import { HarnessError } from './errors.js';
import { QEMU_BINARY } from './qemu.js';

const running = new Set<ChildProcess>();
let handlersInstalled = false;

function killAll(): void {
  for (const child of running) child.kill('SIGKILL');
}

/**
 * QEMU must not outlive the harness: a stray TCG guest would eat a core for
 * the rest of the CI run. Killed on normal exit and on SIGINT/SIGTERM/SIGHUP.
 */
function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on('exit', killAll);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      killAll();
      process.stderr.write(`\n[vm] ${signal}: killed the guest\n`);
      process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
    });
  }
}

export interface QemuProcess {
  readonly pid: number | undefined;
  /** Resolves when QEMU has exited, with its exit code (or null when killed). */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  kill(): void;
}

/**
 * Starts QEMU with its serial console on stdout and calls onLine for every
 * console line (CR stripped; the guest tty turns \n into \r\n).
 */
export function startQemu(args: string[], onLine: (line: string) => void): QemuProcess {
  installExitHandlers();
  // stdin is a pipe left open: with -serial stdio QEMU would otherwise read EOF/keys from our terminal.
  const child = spawn(QEMU_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  let partial = '';
  const feed = (text: string): void => {
    partial += text;
    let newline = partial.indexOf('\n');
    while (newline >= 0) {
      onLine(partial.slice(0, newline).replace(/\r/g, ''));
      partial = partial.slice(newline + 1);
      newline = partial.indexOf('\n');
    }
  };
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', feed);
  // QEMU's own errors ("could not open /dev/vhost-vsock") come on stderr; treat them as console lines.
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (text: string) => {
    for (const line of text.split('\n')) if (line.trim() !== '') onLine(`[qemu] ${line.trimEnd()}`);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolvePromise, reject) => {
    child.on('error', (error) => {
      running.delete(child);
      reject(new HarnessError(`cannot start ${QEMU_BINARY}: ${error.message}`));
    });
    child.on('close', (code, signal) => {
      running.delete(child);
      if (partial !== '') onLine(partial.replace(/\r/g, ''));
      partial = '';
      resolvePromise({ code, signal });
    });
  });
  return {
    pid: child.pid,
    exited,
    kill: () => {
      child.kill('SIGKILL');
    },
  };
}
