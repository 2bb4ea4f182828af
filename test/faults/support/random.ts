/**
 * A seeded generator (mulberry32): the same seed gives the same inputs, so a failing fuzz or
 * chunking run is reproduced with VMRPC_FAULTS_SEED=<seed> (every failure message names it).
 */
export class SeededRandom {
  private state: number;

  constructor(readonly seed: number) {
    this.state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = this.int(0, 255);
    return out;
  }

  /** A generator for one part of a run, independent of how much other parts drew. */
  fork(label: string): SeededRandom {
    let h = this.seed ^ 0x9e3779b9;
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193);
    return new SeededRandom(h >>> 0);
  }
}

/** The run's seed: VMRPC_FAULTS_SEED, or a fresh one (printed once, so any run can be replayed). */
export function runSeed(): number {
  const fromEnv = Number(process.env.VMRPC_FAULTS_SEED);
  const seed = Number.isInteger(fromEnv) && fromEnv > 0 ? fromEnv : (Date.now() ^ (process.pid << 16)) >>> 0;
  if (!printed) {
    printed = true;
    console.log(`    faults seed ${seed} (replay: VMRPC_FAULTS_SEED=${seed})`);
  }
  return seed;
}
let printed = false;
