/**
 * The grace period of GuestAgent#close() and AgentHost#close(): how long the calls in progress
 * may take to finish. One meaning on both sides: Infinity waits for them however long they take
 * (no timer, as node's server.close() waits for its connections); any finite grace is a bound,
 * and one beyond what a Node timer holds (2^31-1 ms, 24.8 days) is held as that much, never as
 * the 1 ms Node would make of it nor as no bound at all.
 */
import { MAX_TIMER_MS } from '@vmrpc/transport';

/** `value` if it is a grace period (a number of ms, 0 or more, or Infinity); a RangeError otherwise. */
export function checkGraceMs(name: string, value: unknown): number {
  if (typeof value === 'number' && value >= 0) return value; // NaN fails the comparison
  const error = new RangeError(`${name} must be a number of milliseconds, 0 or more, or Infinity to wait for the calls without a bound (got ${String(value)})`);
  throw Object.assign(error, { code: 'ERR_OUT_OF_RANGE' });
}

/** What a timer of `graceMs` is armed with, or undefined for no timer (Infinity). */
export function graceTimerMs(graceMs: number): number | undefined {
  return graceMs === Infinity ? undefined : Math.min(graceMs, MAX_TIMER_MS);
}

/** The grace told to the peer (Drain) and to grpc-js: a finite number of ms that a timer holds. */
export function boundedGraceMs(graceMs: number): number {
  return Math.min(graceMs, MAX_TIMER_MS);
}
