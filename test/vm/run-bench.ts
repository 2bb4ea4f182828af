/**
 * `pnpm bench:vm`: runs test/bench/run-vsock.js inside a harness guest (vsock loopback; the
 * guest's loopback network carries the socat relay baseline). Results land in docs/.
 */
import { runHarnessEntry } from './harness/entry.js';
import { runInGuest } from './harness/run-in-guest.js';

await runHarnessEntry('the vsock benchmark', async () => {
  const result = await runInGuest({
    command: ['node', 'test/.build/bench/run-vsock.js'],
    timeoutMs: 20 * 60_000,
    memoryMiB: 3072,
    label: 'bench guest',
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  return result.exitCode;
});
