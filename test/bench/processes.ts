/** Child processes of a benchmark: started, waited for by their output (bounded), all stopped at the end. */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';

export interface Started {
  readonly child: ChildProcess;
  /** Resolves with the first stdout line matching `pattern`; rejects on exit or after `boundMs`. */
  line(pattern: RegExp, boundMs: number): Promise<string>;
  /** Resolves with everything it printed once it exits with code 0; rejects otherwise or after `boundMs`. */
  done(boundMs: number): Promise<string>;
}

const running = new Set<ChildProcess>();

/** Starts `command`; a Node child runs with this process's own Node flags (VMRPC_BENCH_NODE_FLAGS). */
export function start(command: string, args: readonly string[], env?: NodeJS.ProcessEnv): Started {
  const child = spawn(command, command === process.execPath ? [...process.execArgv, ...args] : args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => {
    stdout += text;
    child.emit('stdout');
  });
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  void exited.then(() => running.delete(child));
  const describe = (): string => `${command} ${args.join(' ')}\nstdout: ${stdout.slice(-500)}\nstderr: ${stderr.slice(-2000)}`;
  const bounded = <T>(boundMs: number, what: string, run: (resolve: (value: T) => void, reject: (error: Error) => void) => () => void): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => finish(() => reject(new Error(`${what} not within ${boundMs} ms: ${describe()}`))), boundMs);
      const cleanup = run(
        (value) => finish(() => resolve(value)),
        (error) => finish(() => reject(error)),
      );
      function finish(settle: () => void): void {
        clearTimeout(timer);
        cleanup();
        settle();
      }
    });
  return {
    child,
    line: (pattern, boundMs) =>
      bounded(boundMs, `output matching ${pattern}`, (resolve, reject) => {
        const check = (): void => {
          const found = stdout.split('\n').find((line) => pattern.test(line));
          if (found !== undefined) resolve(found);
        };
        const onExit = (): void => reject(new Error(`exited before printing ${pattern}: ${describe()}`));
        child.on('stdout', check);
        child.once('close', onExit);
        check();
        return () => {
          child.off('stdout', check);
          child.off('close', onExit);
        };
      }),
    done: (boundMs) =>
      bounded(boundMs, 'exit', (resolve, reject) => {
        let live = true;
        void exited.then((code) => {
          if (!live) return;
          if (code === 0) resolve(stdout);
          else reject(new Error(`exit code ${code}: ${describe()}`));
        });
        return () => {
          live = false;
        };
      }),
  };
}

/** Kills whatever is still running (on the way out, also after a failure). */
export function stopAll(): void {
  for (const child of running) child.kill('SIGKILL');
  running.clear();
}

/** Whether an executable `name` is on PATH (an outside peer may not be installed). */
export function onPath(name: string): boolean {
  return (process.env.PATH ?? '').split(path.delimiter).some((dir) => {
    try {
      accessSync(path.join(dir, name), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
