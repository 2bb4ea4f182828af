/** A demo process: its output prefixed line by line, its lines watchable, its exit bounded. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/** A started process of the demo. */
export interface DemoChild {
  readonly prefix: string;
  readonly process: ChildProcess;
  /** The exit code (1 when killed by a signal or failing to start). */
  readonly exited: Promise<number>;
  /** Resolves at the first output line matching `pattern`; rejects after `ms` or at exit. */
  waitForLine(pattern: RegExp, ms: number): Promise<string>;
}

/** Starts `node script args`, printing each output line as `prefix line`. */
export function startChild(prefix: string, script: string, args: readonly string[]): DemoChild {
  const child = spawn(process.execPath, [script, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const watchers = new Set<(line: string) => void>();
  for (const stream of [child.stdout, child.stderr]) {
    createInterface({ input: stream, crlfDelay: Infinity }).on('line', (line) => {
      process.stdout.write(`${prefix}${line}\n`);
      for (const watcher of watchers) watcher(line);
    });
  }
  const exited = new Promise<number>((resolve) => {
    child.once('error', (error) => {
      process.stdout.write(`${prefix}cannot start: ${error.message}\n`);
      resolve(1);
    });
    child.once('close', (code) => resolve(code ?? 1));
  });
  const waitForLine = (pattern: RegExp, ms: number): Promise<string> =>
    new Promise((resolve, reject) => {
      const done = (): void => {
        clearTimeout(timer);
        watchers.delete(watch);
      };
      const watch = (line: string): void => {
        if (!pattern.test(line)) return;
        done();
        resolve(line);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${prefix.trim()} printed no line matching ${pattern} within ${ms / 1000} s`));
      }, ms);
      watchers.add(watch);
      void exited.then((code) => {
        done();
        reject(new Error(`${prefix.trim()} exited with code ${code} before printing a line matching ${pattern}`));
      });
    });
  return { prefix, process: child, exited, waitForLine };
}

/** The exit code, or after `ms` a SIGKILL and 1. */
export async function boundedExit(child: DemoChild, ms: number): Promise<number> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<number>((resolve) => {
    timer = setTimeout(() => {
      process.stdout.write(`${child.prefix}did not exit within ${ms / 1000} s; killed\n`);
      child.process.kill('SIGKILL');
      resolve(1);
    }, ms);
  });
  try {
    return await Promise.race([child.exited, late]);
  } finally {
    clearTimeout(timer);
  }
}
