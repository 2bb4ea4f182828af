/** Small statistics for the benchmarks: percentiles, medians, spread, and "warm until steady". */

export function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Rules for warming up: batches of `batch` samples until two batch medians agree within `tolerance`. */
export interface WarmUp {
  batch: number;
  tolerance: number;
  /** Warm-up ends after this many batches even if never steady (the result then says so). */
  maxBatches: number;
}

export const DEFAULT_WARM_UP: WarmUp = { batch: 25, tolerance: 0.1, maxBatches: 8 };

function steadyPair(previous: readonly number[], current: readonly number[], tolerance: number): boolean {
  const a = median(previous);
  const b = median(current);
  return Math.abs(a - b) <= tolerance * Math.max(a, b);
}

/**
 * Samples recorded from the start (warm-up included): returns those after the warm-up, which ends
 * with the first batch whose median agrees with the one before it.
 */
export function afterWarmUp(samples: readonly number[], rules: WarmUp = DEFAULT_WARM_UP): { samples: number[]; steady: boolean } {
  for (let k = 1; k < rules.maxBatches && (k + 1) * rules.batch <= samples.length; k++) {
    const previous = samples.slice((k - 1) * rules.batch, k * rules.batch);
    const current = samples.slice(k * rules.batch, (k + 1) * rules.batch);
    if (steadyPair(previous, current, rules.tolerance)) return { samples: samples.slice((k + 1) * rules.batch), steady: true };
  }
  return { samples: samples.slice(Math.min(samples.length, rules.maxBatches * rules.batch)), steady: false };
}

/** Runs `once` in batches until steady (see afterWarmUp); resolves with whether it got steady. */
export async function warmUp(once: () => Promise<unknown>, rules: WarmUp = DEFAULT_WARM_UP): Promise<boolean> {
  let previous: number[] | undefined;
  for (let k = 0; k < rules.maxBatches; k++) {
    const current = await timeMany(once, rules.batch);
    if (previous !== undefined && steadyPair(previous, current, rules.tolerance)) return true;
    previous = current;
  }
  return false;
}

/** Latencies in microseconds of `count` sequential calls. */
export async function timeMany(once: () => Promise<unknown>, count: number): Promise<number[]> {
  const latencies: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await once();
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  return latencies;
}
