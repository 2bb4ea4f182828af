/**
 * Reconnect backoff as gRPC's connection-backoff spec describes it: start at the initial
 * backoff, multiply by 1.6 after each failure up to the maximum, and spread each wait by
 * +/-20% jitter so that many clients do not reconnect in lockstep.
 */
import { MAX_TIMER_MS } from './deadline';

/** How long to wait between reconnection attempts: gRPC connection backoff (initial, max, multiplier, jitter). */
export interface BackoffOptions {
  /** The first wait, 1 to 2^31-1 ms. */
  initialMs?: number;
  /** The longest wait, 1 to 2^31-1 ms (raised to initialMs when below it). */
  maxMs?: number;
  /** Growth of the wait after each failure, 1 or more. */
  multiplier?: number;
  /** Spread of each wait, from 0 to 1 (0.2: +/-20%). */
  jitter?: number;
}

const RANGES: Record<keyof BackoffOptions, readonly [number, number]> = {
  initialMs: [1, MAX_TIMER_MS],
  maxMs: [1, MAX_TIMER_MS],
  multiplier: [1, Number.MAX_VALUE],
  jitter: [0, 1],
};

/**
 * `options` if every value given is in its range; a RangeError (code ERR_OUT_OF_RANGE) naming
 * `name`'s field otherwise. An initialMs of 0 would redial in a tight loop, a wait beyond
 * 2^31-1 ms would fire after 1 ms.
 */
export function checkBackoff(name: string, options: BackoffOptions | undefined): BackoffOptions {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null) throw new TypeError(`${name} must be an object of backoff options (initialMs, maxMs, multiplier, jitter); got ${String(options)}`);
  for (const key of Object.keys(RANGES) as (keyof BackoffOptions)[]) {
    const value = options[key];
    if (value === undefined) continue;
    const [min, max] = RANGES[key];
    if (typeof value !== 'number' || !(value >= min && value <= max)) {
      const range = max === Number.MAX_VALUE ? `${min} or more` : `from ${min} to ${max}`;
      // Worded as checkTimerMs words the other durations.
      const error = new RangeError(`${name}.${key} must be a number${key.endsWith('Ms') ? ' of milliseconds' : ''} ${range} (got ${String(value)})`);
      throw Object.assign(error, { code: 'ERR_OUT_OF_RANGE' });
    }
  }
  return options;
}

/** Jittered exponential backoff (gRPC's connection-backoff spec): next() gives each wait. */
export class Backoff {
  private readonly initialMs: number;
  private readonly maxMs: number;
  private readonly multiplier: number;
  private readonly jitter: number;
  private nextMs: number;

  /** A RangeError names `name`'s field out of its range (checkBackoff). */
  constructor(options: BackoffOptions = {}, name = 'backoff options') {
    checkBackoff(name, options);
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
    // Jitter may take a wait near the maximum past what one Node timer holds.
    return Math.min(Math.max(0, base - spread + Math.random() * 2 * spread), MAX_TIMER_MS);
  }

  /** After a successful connection. */
  reset(): void {
    this.nextMs = this.initialMs;
  }
}
