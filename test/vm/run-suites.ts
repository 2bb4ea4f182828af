/**
 * `pnpm test:vm [-- MOCHA ARGS]`: boots one harness guest and runs the
 * `*.vsock.test.js` suites there with mocha (test/vm/mocharc.guest.json).
 * Extra arguments go to mocha, e.g. `pnpm test:vm -- --grep seqpacket`.
 * Exits with mocha's exit code. Outside CI, a machine that cannot get QEMU
 * prints one "skipping VM suites" line and exits 0.
 */
import { runHarnessEntry } from './harness/entry.js';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from './harness/paths.js';
import { formatMs, progress } from './harness/progress.js';
import { prepareGuest, runInGuest } from './harness/run-in-guest.js';

/** The suites get this long once mocha has started; VMRPC_VM_TIMEOUT (seconds) overrides. */
const DEFAULT_SUITE_TIMEOUT_MS = 15 * 60_000;

function suiteTimeoutMs(): number {
  const seconds = Number(process.env.VMRPC_VM_TIMEOUT);
  return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : DEFAULT_SUITE_TIMEOUT_MS;
}

async function countSuites(): Promise<number> {
  try {
    const files = await readdir(join(repoRoot(), 'test', '.build'), { recursive: true });
    return files.filter((file) => file.endsWith('.vsock.test.js')).length;
  } catch {
    return 0;
  }
}

async function main(): Promise<number> {
  // pnpm may hand over the `--` that separated our arguments from its own.
  const mochaArgs = process.argv.slice(2);
  if (mochaArgs[0] === '--') mochaArgs.shift();

  // First, so a machine without QEMU skips (outside CI) whatever else is missing.
  await prepareGuest();
  const suites = await countSuites();
  if (suites === 0) {
    // Saves a boot: mocha would fail with "No test files found" anyway.
    process.stderr.write('test:vm: no test/.build/**/*.vsock.test.js found; run `pnpm build` first\n');
    return 1;
  }
  progress(`running ${suites} vsock suite file(s) in a guest${mochaArgs.length > 0 ? ` with mocha ${mochaArgs.join(' ')}` : ''}`);
  const result = await runInGuest({
    command: ['node', 'node_modules/mocha/bin/mocha.js', '--config', 'test/vm/mocharc.guest.json', ...mochaArgs],
    timeoutMs: suiteTimeoutMs(),
    label: 'suite guest',
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  progress(
    `VM suites exited with code ${result.exitCode} (${result.accel.accel}: boot ${formatMs(result.bootMs)}, ` +
      `suites ${formatMs(result.totalMs - result.bootMs)}, total ${formatMs(result.totalMs)})`,
  );
  return result.exitCode;
}

await runHarnessEntry('VM suites', main);
