/**
 * `pnpm test:faults [-- --long] [-- MOCHA ARGS]`: the fault and load suite (test/faults), first
 * on the host (Unix sockets, hybrid vsock both ways: .mocharc.faults.json), then over vsock in a
 * harness guest (test/vm/mocharc.faults-guest.json), then docs/reliability.md is rewritten from
 * the figures both runs saved. `--long` (or VMRPC_FAULTS_LONG=1) is the longer optional run.
 * VMRPC_FAULTS_SEED replays a run's random inputs. Exits non-zero if either part failed.
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { runHarnessEntry } from './harness/entry.js';
import { repoRoot } from './harness/paths.js';
import { formatMs, progress } from './harness/progress.js';
import { prepareGuest, runInGuest } from './harness/run-in-guest.js';

const GUEST_TIMEOUT_MS = 15 * 60_000;

function node(args: string[], env: NodeJS.ProcessEnv): number {
  const result = spawnSync(process.execPath, args, { cwd: repoRoot(), stdio: 'inherit', env });
  return result.status ?? 1;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2).filter((arg) => arg !== '--');
  const long = args.includes('--long') || process.env.VMRPC_FAULTS_LONG === '1';
  const mochaArgs = args.filter((arg) => arg !== '--long');
  const env: NodeJS.ProcessEnv = { ...process.env, ...(long ? { VMRPC_FAULTS_LONG: '1' } : {}) };
  // One seed for both parts, so a report names one run.
  const seed = process.env.VMRPC_FAULTS_SEED ?? String((Date.now() ^ (process.pid << 16)) >>> 0);
  env.VMRPC_FAULTS_SEED = seed;

  // Figures of an earlier run must not stand in for a part that does not run now.
  for (const where of ['host', 'vsock']) rmSync(join(repoRoot(), 'test', '.build', 'faults', `figures-${where}.json`), { force: true });
  const hostStarted = Date.now();
  progress(`faults on the host${long ? ' (long run)' : ''}, seed ${seed}`);
  const hostCode = node(['node_modules/mocha/bin/mocha.js', '--config', '.mocharc.faults.json', ...mochaArgs], env);
  progress(`host faults exited with code ${hostCode} (${formatMs(Date.now() - hostStarted)})`);

  let guestCode = 0;
  try {
    await prepareGuest();
    const result = await runInGuest({
      command: ['node', 'node_modules/mocha/bin/mocha.js', '--config', 'test/vm/mocharc.faults-guest.json', ...mochaArgs],
      env: { VMRPC_FAULTS_SEED: seed, ...(long ? { VMRPC_FAULTS_LONG: '1' } : {}) },
      timeoutMs: long ? 4 * GUEST_TIMEOUT_MS : GUEST_TIMEOUT_MS,
      label: 'faults guest',
      onOutput: (chunk) => process.stdout.write(chunk),
    });
    guestCode = result.exitCode;
    progress(`vsock faults exited with code ${guestCode} (${result.accel.accel}: total ${formatMs(result.totalMs)})`);
  } catch (error) {
    // No QEMU outside CI: the host part still counts, and the report says the VM part did not run.
    if (process.env.CI === 'true') throw error;
    process.stdout.write(`skipping the vsock faults: ${(error as Error).message.split('\n')[0]}\n`);
  }
  const reportCode = node(['test/.build/faults/write-report.js'], env);
  return hostCode !== 0 ? hostCode : guestCode !== 0 ? guestCode : reportCode;
}

await runHarnessEntry('faults suites', main);
