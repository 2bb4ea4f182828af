/**
 * How every VM entry script ends: its exit code, or for a machine that cannot run guests a
 * one-line skip (outside CI only: in CI a harness that cannot boot fails the run).
 */
import { HarnessError, HarnessUnavailableError } from './errors.js';

export async function runHarnessEntry(name: string, main: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await main();
  } catch (error) {
    if (error instanceof HarnessUnavailableError && process.env.CI !== 'true') {
      process.stdout.write(`skipping ${name}: ${error.message.split('\n')[0]}\n`);
      process.exitCode = 0;
    } else {
      const text = error instanceof HarnessError ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error);
      process.stderr.write(`${name} failed: ${text}\n`);
      process.exitCode = 1;
    }
  }
}
