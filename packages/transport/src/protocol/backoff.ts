/**
 * Reconnect backoff as gRPC's connection-backoff spec describes it: start at the initial
 * backoff, multiply by 1.6 after each failure up to the maximum, and spread each wait by
 * +/-20% jitter so that many clients do not reconnect in lockstep.
 */
export interface BackoffOptions {
  initialMs?: number;
  maxMs?: number;
  multiplier?: number;
  jitter?: number;
}

/** Jittered exponential backoff (gRPC's connection-backoff spec): next() gives each wait. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private nextMs: number;

  constructor(options: BackoffOptions = {}) {
    this.initialMs = options.initialMs ?? 1000;
    this.maxMs = Math.max(options.maxMs ?? 120_000, this.initialMs);
    this.multiplier = options.multiplier ?? 1.6;
    this.jitter = options.jitter ?? 0.2;
    this.nextMs = this.initialMs;
  }

  /** The next wait in ms, and advance. */
  next(): number {
    const base = this.nextMs;
    this.nextMs = Math.min(base * this.multiplier, this.maxMs);
    const spread = base * this.jitter;
    return Math.max(0, base - spread + Math.random() * 2 * spread);
  }

  /** After a successful connection. */
  reset(): void {
    this.nextMs = this.initialMs;
  }
}
