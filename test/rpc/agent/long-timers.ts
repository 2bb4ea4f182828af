// A stand-in for 24.8 days passing: while `during` runs, every timer armed for about the longest a
// Node timer holds (2^31-1 ms) fires at once; shorter ones keep their delay. It replaces the
// global setTimeout (what the agent code calls) and restores it after. Only this makes a grace
// past 2^31-1 ms testable: a real timer of that length cannot be waited for.
import { MAX_TIMER_MS } from '@vmrpc/transport';

/** Timers armed for at least this long count as "24.8 days" (the grace's deadline less the ms spent getting there). */
const LONG_MS = MAX_TIMER_MS - 60_000;

/** Runs `during` with timers of about 2^31-1 ms due at once; `fired` counts the timers so hurried. */
export async function withLongTimersDue<T>(during: () => Promise<T>): Promise<{ result: T; fired: number }> {
  const real = globalThis.setTimeout;
  let fired = 0;
  const hurried = (callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]): NodeJS.Timeout => {
    if (ms !== undefined && ms >= LONG_MS) {
      fired += 1;
      return real(callback, 0, ...args);
    }
    return real(callback, ms, ...args);
  };
  globalThis.setTimeout = Object.assign(hurried, { __promisify__: real.__promisify__ }) as typeof setTimeout;
  try {
    return { result: await during(), fired };
  } finally {
    globalThis.setTimeout = real;
  }
}
