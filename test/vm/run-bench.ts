/**
 * `pnpm bench:vm`: runs test/bench/run-vsock.js inside a harness guest (vsock loopback, with
 * the guest's loopback network up for the socat relay baseline). Results land in docs/.
 */
import { HarnessUnavailableError } from './harness/errors.js';
import { runInGuest } from './harness/run-in-guest.js';

try {
  const result = await runInGuest({
    command: ['sh', '-c', 'ip link set lo up 2>/dev/null || ifconfig lo up; exec node test/.build/bench/run-vsock.js'],
    timeoutMs: 20 * 60_000,
    memoryMiB: 3072,
    label: 'bench guest',
    onOutput: (chunk) => process.stdout.write(chunk),
  });
  process.exit(result.exitCode);
} catch (error) {
  if (error instanceof HarnessUnavailableError && process.env.CI !== 'true') {
    console.log(`skipping the vsock benchmark: ${error.message}`);
    process.exit(0);
  }
  throw error;
}
