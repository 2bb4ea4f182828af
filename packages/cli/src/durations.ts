/** Durations on the command line: `500ms`, `2s`, `1.5m`, or a bare number of seconds (as nc -w). */
import { UsageError } from './errors';

const UNITS: { readonly [unit: string]: number } = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in `text`; throws a UsageError naming `option` when it is not a duration. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)?$/.exec(text.trim());
  if (match === null) throw new UsageError(`${option} wants a duration such as 500ms, 2s or 1m (got '${text}')`);
  return Math.round(Number(match[1]) * UNITS[match[2] ?? 's']!);
}

/** A positive whole number in `text`, or a UsageError naming `option`. */
export function parseCount(text: string, option: string): number {
  if (!/^\d+$/.test(text) || Number(text) < 1) throw new UsageError(`${option} wants a whole number >= 1 (got '${text}')`);
  return Number(text);
}
