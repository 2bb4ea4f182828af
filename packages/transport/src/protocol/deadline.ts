/**
 * Deadlines: grpc-js hands a Date or a number of ms since the epoch (Infinity for none); the
 * wire carries the remaining time as `grpc-timeout` with at most 8 digits and a unit.
 */
import type { Deadline } from '@grpc/grpc-js';

/** Milliseconds since the epoch, Infinity for no deadline. */
export function deadlineMs(deadline: Deadline): number {
  return deadline instanceof Date ? deadline.getTime() : deadline;
}

const UNITS: Array<[string, number]> = [
  ['n', 1e-6],
  ['u', 1e-3],
  ['m', 1],
  ['S', 1000],
  ['M', 60_000],
  ['H', 3_600_000],
];

/** The grpc-timeout header value for `remainingMs` (rounded up so a deadline is never early). */
export function formatGrpcTimeout(remainingMs: number): string {
  const ms = Math.max(remainingMs, 0);
  for (const [unit, msPerUnit] of UNITS) {
    const amount = Math.ceil(ms / msPerUnit);
    if (amount < 1e8) return `${amount}${unit}`;
  }
  return '99999999H';
}

/** Milliseconds per unit, by the unit's char code (0: not a unit). */
const MS_BY_UNIT_CODE = new Float64Array(128);
for (const [unit, msPerUnit] of UNITS) MS_BY_UNIT_CODE[unit.charCodeAt(0)] = msPerUnit;

/**
 * The milliseconds a grpc-timeout header value gives a call (1 to 8 ASCII digits and a unit),
 * or undefined when the value is malformed. Read by hand: every call with a deadline pays for it,
 * and a regular expression costs a measurable share of a tiny call on the agent.
 */
export function parseGrpcTimeout(value: string): number | undefined {
  const digits = value.length - 1;
  if (digits < 1 || digits > 8) return undefined;
  const unit = value.charCodeAt(digits);
  const msPerUnit = unit < 128 ? MS_BY_UNIT_CODE[unit]! : 0;
  if (msPerUnit === 0) return undefined;
  let amount = 0;
  for (let i = 0; i < digits; i++) {
    const digit = value.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    amount = amount * 10 + digit;
  }
  return amount * msPerUnit;
}

/** setTimeout cannot wait longer than 2^31-1 ms: longer deadlines are re-armed in steps. */
export const MAX_TIMER_MS = 0x7fffffff;

/**
 * A bound in milliseconds that one Node timer holds: from 1 to 2^31-1 (2^31 or Infinity would
 * fire after 1 ms, NaN at once). A RangeError with code ERR_OUT_OF_RANGE names `name` otherwise.
 */
export function checkTimerMs(name: string, value: unknown): number {
  if (typeof value === 'number' && value > 0 && value <= MAX_TIMER_MS) return value;
  const error = new RangeError(`${name} must be a number of milliseconds from 1 to ${MAX_TIMER_MS} (got ${String(value)})`);
  throw Object.assign(error, { code: 'ERR_OUT_OF_RANGE' });
}
