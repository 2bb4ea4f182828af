/** Durations on the command line: `500ms`, `2s`, `1.5m`, or a bare number of seconds (as nc -w). */
import { UsageError } from './errors';

const UNITS: { readonly [unit: string]: number } = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** The longest wait one Node timer holds (2^31-1 ms, about 24.8 days); a longer one fires at once. */
export const MAX_DURATION_MS = 0x7fffffff;

/**
 * A call's deadline (--timeout of call, list, agents): any length. The client keeps a deadline
 * past one timer's reach itself and caps the grpc-timeout header, so only the exactness of the
 * number bounds it.
 */
export const DEADLINE_BOUNDS: DurationBounds = { max: { ms: Number.MAX_SAFE_INTEGER, why: 'the largest exact number of ms' } };

/** Bounds of a duration option. */
export interface DurationBounds {
  /** 0 is allowed (default: the least is 1 ms). */
  readonly zero?: boolean;
  /** The most in ms (default MAX_DURATION_MS), and why, for the error. */
  readonly max?: { readonly ms: number; readonly why: string };
}

/** Milliseconds in `text`; throws a UsageError naming `option` when it is not a duration within bounds. */
export function parseDuration(text: string, option: string, bounds: DurationBounds = {}): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new UsageError(`${option} wants a duration such as 500ms, 2s or 1m (got '${text}')`);
  const ms = Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
  const max = bounds.max ?? { ms: MAX_DURATION_MS, why: 'about 24.8 days, the longest a Node timer holds' };
  if (ms > max.ms) throw new UsageError(`${option} must be at most ${max.ms}ms (${max.why}; got '${text}')`);
  if (ms < 1 && bounds.zero !== true) throw new UsageError(`${option} must be at least 1ms (got '${text}')`);
  return ms;
}

/** A positive whole number in `text`, or a UsageError naming `option`. */
export function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${option} wants a whole number >= 1 (got '${text}')`);
  return Number(text);
}
