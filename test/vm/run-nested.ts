/**
 * `pnpm test:vm:nested`: host <-> guest vsock with @vmrpc/native on both ends.
 * Boots an outer harness guest with vhost_vsock loaded; it runs
 * nested/outer.js, which boots an inner guest (CID 3) running nested/inner.js
 * and exchanges data with it both ways. Exits with outer.js's exit code.
 * Outside CI, a machine that cannot get QEMU prints one skip line and exits 0.
 */
import { runHarnessEntry } from './harness/entry.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './harness/paths.js';
import { formatMs, progress } from './harness/progress.js';
import { prepareGuest, runInGuest } from './harness/run-in-guest.js';

/** Measured: 5-7 min under TCG (inner boot ~90 s, ~20 s per process start there). */
const OUTER_TIMEOUT_MS = 15 * 60_000;

async function main(): Promise<number> {
  // First, so a machine without QEMU skips (outside CI) whatever else is missing.
  await prepareGuest();
  for (const file of ['test/.build/vm/nested/outer.js', 'test/.build/vm/nested/inner.js', 'packages/native/dist/index.js']) {
    if (!existsSync(join(repoRoot(), file))) {
      process.stderr.write(`test:vm:nested: ${file} is missing; run \`pnpm build\` first\n`);
      return 1;
    }
  }
  const result = await runInGuest({
    command: ['node', 'test/.build/vm/nested/outer.js'],
    vhostVsock: true,
    // The outer guest holds the inner guest's 1 GiB, its QEMU and its own node.
    memoryMiB: 3072,
    timeoutMs: OUTER_TIMEOUT_MS,
    label: 'outer guest',
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  progress(
    `nested run exited with code ${result.exitCode} (${result.accel.accel}: outer boot ${formatMs(result.bootMs)}, ` +
      `exchange ${formatMs(result.totalMs - result.bootMs)}, total ${formatMs(result.totalMs)})`,
  );
  return result.exitCode;
}

await runHarnessEntry('the nested VM run', main);
