/**
 * The JSON forms of google.protobuf.Timestamp (RFC 3339 in UTC, `2024-05-06T07:08:09.5Z`) and
 * Duration (seconds with a fraction and an `s`, `-1.250s`). Seconds travel as decimal strings
 * so that no 64-bit value is rounded; fractions print 0, 3, 6 or 9 digits, as protoc does.
 */

/** Seconds (decimal string, for a 64-bit field) and nanoseconds. */
export interface SecondsAndNanos {
  seconds: string;
  nanos: number;
}

function fraction(nanos: number): string {
  if (nanos === 0) return '';
  const digits = String(nanos).padStart(9, '0');
  return `.${nanos % 1_000_000 === 0 ? digits.slice(0, 3) : nanos % 1000 === 0 ? digits.slice(0, 6) : digits}`;
}

function nanosOf(digits: string | undefined): number {
  return digits === undefined ? 0 : Number(digits.padEnd(9, '0'));
}

/** `2024-05-06T07:08:09.5Z` (any UTC offset) as seconds since the epoch and nanos. */
export function timestampFromJson(text: string, path: string): SecondsAndNanos {
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?([Zz]|[+-]\d\d:\d\d)$/.exec(text);
  const millis = match === null ? Number.NaN : Date.parse(`${match[1]}${match[3]!.toUpperCase()}`);
  if (match === null || Number.isNaN(millis)) throw new Error(`${path}: expected an RFC 3339 time such as 2024-01-02T03:04:05Z, got ${JSON.stringify(text)}`);
  return { seconds: String(Math.floor(millis / 1000)), nanos: nanosOf(match[2]) };
}

/** Seconds since the epoch and nanos as RFC 3339 in UTC. */
export function timestampToJson(seconds: string, nanos: number): string {
  const date = new Date(Number(seconds) * 1000);
  return `${date.toISOString().slice(0, 19)}${fraction(nanos)}Z`;
}

/** `-1.5s` as seconds and nanos (both carry the sign). */
export function durationFromJson(text: string, path: string): SecondsAndNanos {
  const match = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (match === null) throw new Error(`${path}: expected a duration such as 1.5s, got ${JSON.stringify(text)}`);
  const negative = match[1] === '-';
  const nanos = nanosOf(match[3]);
  return { seconds: `${negative && match[2] !== '0' ? '-' : ''}${match[2]}`, nanos: negative ? -nanos : nanos };
}

/** Seconds and nanos as `-1.5s`. */
export function durationToJson(seconds: string, nanos: number): string {
  const negative = seconds.startsWith('-') || nanos < 0;
  return `${negative ? '-' : ''}${seconds.replace(/^-/, '')}${fraction(Math.abs(nanos))}s`;
}
