/**
 * Resource snapshots for growth checks: open descriptors, libuv handles by type, and memory
 * after forced garbage collection (the faults mocha config runs node with --expose-gc).
 */
import { activeResourceCounts, describeOpenFds, openFdCount } from '../../support/checks.js';

export interface ResourceSnapshot {
  fds: number;
  handles: number;
  heapUsed: number;
  rss: number;
  external: number;
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('the faults suite needs node --expose-gc (see .mocharc.faults.json)');
  gc();
  gc();
}

/** Counts everything after two full collections and a turn of the event loop. */
export async function snapshot(): Promise<ResourceSnapshot> {
  await new Promise((resolve) => setImmediate(resolve));
  collectGarbage();
  const memory = process.memoryUsage();
  const handles = Object.entries(activeResourceCounts())
    .filter(([name]) => name !== 'Timeout' && name !== 'Immediate')
    .reduce((sum, [, count]) => sum + count, 0);
  return { fds: openFdCount(), handles, heapUsed: memory.heapUsed, rss: memory.rss, external: memory.external };
}

/** What may have grown after a run, and by how much at most. */
export interface Tolerance {
  fds?: number;
  handles?: number;
  heapBytes?: number;
}

/**
 * Waits (bounded) until descriptors and handles are back within `tolerance` of `before`, and
 * checks that the heap did not grow by more than `tolerance.heapBytes`. Returns the last snapshot.
 */
export async function expectNoGrowth(before: ResourceSnapshot, tolerance: Tolerance, waitMs = 10_000): Promise<ResourceSnapshot> {
  const deadline = Date.now() + waitMs;
  let after = await snapshot();
  while (Date.now() < deadline) {
    if (after.fds <= before.fds + (tolerance.fds ?? 0) && after.handles <= before.handles + (tolerance.handles ?? 0)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
    after = await snapshot();
  }
  if (after.fds > before.fds + (tolerance.fds ?? 0)) {
    throw new Error(`descriptors grew from ${before.fds} to ${after.fds} (open: ${describeOpenFds()})`);
  }
  if (after.handles > before.handles + (tolerance.handles ?? 0)) {
    throw new Error(`libuv handles grew from ${before.handles} to ${after.handles}: ${JSON.stringify(activeResourceCounts())}`);
  }
  const heapLimit = tolerance.heapBytes ?? 16 << 20;
  if (after.heapUsed - before.heapUsed > heapLimit) {
    throw new Error(`heap grew by ${((after.heapUsed - before.heapUsed) / 1048576).toFixed(1)} MiB (limit ${(heapLimit / 1048576).toFixed(0)} MiB)`);
  }
  return after;
}
