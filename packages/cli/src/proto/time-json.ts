/**
 * The JSON forms of google.protobuf.Timestamp (RFC 3339 in UTC, `2024-05-06T07:08:09.5Z`) and
 * Duration (seconds with a fraction and an `s`, `-1.250s`). Seconds travel as decimal strings
 * so that no 64-bit value is rounded; fractions print 0, 3, 6 or 9 digits, as protoc does.
 * Values outside the ranges the types define (years 0001 to 9999; +-10000 years) have no such
 * form: the printers answer undefined, and the caller prints the message's fields instead.
 */

// 0001-01-01T00:00:00Z and 9999-12-31T23:59:59Z, in seconds since the epoch (timestamp.proto).
const TIMESTAMP_SECONDS = { min: -62_135_596_800n, max: 253_402_300_799n };
// About 10000 years either way (duration.proto).
const DURATION_SECONDS = 315_576_000_000n;

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
  const seconds = Math.floor(millis / 1000);
  if (match === null || Number.isNaN(millis) || seconds < Number(TIMESTAMP_SECONDS.min) || seconds > Number(TIMESTAMP_SECONDS.max)) {
    throw new Error(`${path}: expected an RFC 3339 time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z such as 2024-01-02T03:04:05Z, got ${JSON.stringify(text)}`);
  }
  return { seconds: String(seconds), nanos: nanosOf(match[2]) };
}

/** Seconds since the epoch and nanos as RFC 3339 in UTC; undefined outside 0001..9999 or with nanos outside 0..999999999. */
export function timestampToJson(seconds: string, nanos: number): string | undefined {
  const whole = BigInt(seconds);
  if (whole < TIMESTAMP_SECONDS.min || whole > TIMESTAMP_SECONDS.max || !Number.isInteger(nanos) || nanos < 0 || nanos > 999_999_999) return undefined;
  const date = new Date(Number(whole) * 1000);
  return `${date.toISOString().slice(0, 19)}${fraction(nanos)}Z`;
}

/** `-1.5s` as seconds and nanos (both carry the sign). */
export function durationFromJson(text: string, path: string): SecondsAndNanos {
  const match = /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(text);
  if (match === null || BigInt(match[2]!) > DURATION_SECONDS) throw new Error(`${path}: expected a duration within +-315576000000s such as 1.5s, got ${JSON.stringify(text)}`);
  const negative = match[1] === '-';
  const nanos = nanosOf(match[3]);
  return { seconds: `${negative && match[2] !== '0' ? '-' : ''}${match[2]}`, nanos: negative ? -nanos : nanos };
}

/** Seconds and nanos as `-1.5s`; undefined beyond +-10000 years, or with nanos out of range or of the other sign. */
export function durationToJson(seconds: string, nanos: number): string | undefined {
  const whole = BigInt(seconds);
  const magnitude = whole < 0n ? -whole : whole;
  if (magnitude > DURATION_SECONDS || !Number.isInteger(nanos) || Math.abs(nanos) > 999_999_999 || (whole > 0n && nanos < 0) || (whole < 0n && nanos > 0)) return undefined;
  const negative = seconds.startsWith('-') || nanos < 0;
  return `${negative ? '-' : ''}${seconds.replace(/^-/, '')}${fraction(Math.abs(nanos))}s`;
}
