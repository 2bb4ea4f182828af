/** Runs fixtures/throw-in-callback.js in a child process with a bound on its run time. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';

export type ThrowScenario =
  | 'connection'
  | 'message'
  | 'portable-data'
  | 'refused-connect'
  | 'connect-timeout'
  | 'vsock-refused-connect'
  | 'connect-listener'
  | 'send-completion';

export interface ThrowRun {
  /** Exit code, or null when killed because it outlived `limitMs`. */
  code: number | null;
  stdout: string;
  stderr: string;
  /** The handled mode's JSON line, if one was printed. */
  report: unknown;
}

const FIXTURE = fileURLToPath(new URL('../fixtures/throw-in-callback.js', import.meta.url));

export function runThrowFixture(scenario: ThrowScenario, mode: 'handled' | 'unhandled', limitMs = 15_000): Promise<ThrowRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [FIXTURE, scenario, mode], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A child that neither reports nor exits is the bug this guards against: kill it and say so.
    const timer = setTimeout(() => {
      stderr += `\n[killed after ${limitMs} ms without exiting]`;
      child.kill('SIGKILL');
    }, limitMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      // The child ends without closing its servers: remove the socket files it named after its pid.
      for (const name of fs.readdirSync('/tmp')) if (name.startsWith(`vmrpc-throw-${child.pid}-`)) fs.rmSync(`/tmp/${name}`, { force: true });
      const line = stdout.split('\n').find((l) => l.startsWith('{'));
      let report: unknown;
      try {
        report = line === undefined ? undefined : JSON.parse(line);
      } catch {
        report = line;
      }
      resolve({ code, stdout, stderr, report });
    });
  });
}
