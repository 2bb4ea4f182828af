/**
 * Peers in processes of their own, so a test can kill (SIGKILL: no goodbye, as a crashing guest)
 * or freeze (SIGSTOP: a half-open connection, as a paused VM) them. Each peer script prints one
 * line per event; waitFor() matches those lines with a bound.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { here } from './figures.js';

export class PeerProcess {
  private output = '';
  private readonly waiters = new Set<() => void>();
  readonly exited: Promise<number | null>;

  private constructor(readonly child: ChildProcess) {
    child.stdout!.setEncoding('utf8').on('data', (text: string) => {
      this.output += text;
      for (const wake of this.waiters) wake();
    });
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      this.output += text;
    });
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
  }

  /** Starts `test/.build/faults/peers/<script>.js` with `args`. */
  static start(script: string, args: string[]): PeerProcess {
    const file = path.resolve(here, '..', 'peers', `${script}.js`);
    return new PeerProcess(spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Resolves with the first output line matching `pattern` (from the start of the output), within `ms`. */
  waitFor(pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = this.output.match(pattern);
        if (match !== null) {
          finish();
          resolve(match);
        }
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`peer did not print ${String(pattern)} within ${ms} ms; its output:\n${this.output.slice(-2000)}`));
      }, ms);
      this.waiters.add(check);
      check();
    });
  }

  /** Lines printed so far. */
  get lines(): string[] {
    return this.output.split('\n').filter((line) => line.length > 0);
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  /** Kills the peer (if alive) and waits for its exit. */
  async stop(): Promise<void> {
    this.kill('SIGKILL');
    await this.exited;
  }
}

/** Resolves once `condition()` holds, polling every 20 ms; rejects after `ms`. */
export async function until(condition: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
