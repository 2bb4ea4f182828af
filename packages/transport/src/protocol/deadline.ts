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

const TIMEOUT = /^(\d{1,8})([HMSmun])$/;
const MS_PER_UNIT: ReadonlyMap<string, number> = new Map(UNITS);

/** The milliseconds a grpc-timeout header value gives a call, or undefined when the value is malformed. */
export function parseGrpcTimeout(value: string): number | undefined {
  const match = TIMEOUT.exec(value);
  return match === null ? undefined : Number(match[1]) * MS_PER_UNIT.get(match[2]!)!;
}

/** setTimeout cannot wait longer than 2^31-1 ms: longer deadlines are re-armed in steps. */
export const MAX_TIMER_MS = 0x7fffffff;
