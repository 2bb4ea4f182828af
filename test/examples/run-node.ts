/** Runs a built example as a user does (`node dist/X.js ARGS`), bounded, with its output collected. */
import { spawn, type ChildProcess } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The checkout (tests run from test/.build/examples). */
export const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

/** `examples/NAME/dist/SCRIPT.js`. */
export function exampleScript(name: string, script: string): string {
  return path.join(checkout, 'examples', name, 'dist', `${script}.js`);
}

export interface NodeResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running example: its output so far, a bounded wait for a line, and its end. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly done: Promise<NodeResult>;
  output(): string;
  waitFor(pattern: RegExp, ms?: number): Promise<void>;
}

/** Starts `node script args`; `done` rejects (and the process is killed) after `ms`. */
export function startNode(script: string, args: readonly string[], ms = 15_000): NodeProcess {
  const child = spawn(process.execPath, [script, ...args], { cwd: checkout, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const done = new Promise<NodeResult>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${path.basename(script)} ${args.join(' ')}: still running after ${ms} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, ms);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
  const waitFor = async (pattern: RegExp, bound = 10_000): Promise<void> => {
    const deadline = Date.now() + bound;
    while (!pattern.test(stdout)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no output matching ${pattern} within ${bound} ms\nstdout: ${stdout}\nstderr: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, done, output: () => stdout, waitFor };
}

/** Runs `node script args` to its end, for at most `ms`. */
export function runNode(script: string, args: readonly string[], ms?: number): Promise<NodeResult> {
  return startNode(script, args, ms).done;
}
