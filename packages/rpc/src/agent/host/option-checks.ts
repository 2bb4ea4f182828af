/** Checks of AgentHost's numeric options: each error names the option and the range it takes. */
import { checkBackoff, checkTimerMs, type BackoffOptions } from '@vmrpc/transport';

/** A duration that one Node timer holds (1 to 2^31-1 ms; ERR_OUT_OF_RANGE otherwise). */
export function timerMs(name: string, value: number | undefined, fallback: number): number {
  return value === undefined ? fallback : checkTimerMs(`options.${name}`, value);
}

/** A count or size: a finite number above 0. */
export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) throw new RangeError(`options.${name} must be a positive number (got ${String(value)})`);
  return value;
}

/** Heartbeats: an agent is dropped after heartbeatTimeoutMs of silence, so it must exceed the interval. */
export function checkHeartbeats(intervalMs: number, timeoutMs: number | undefined): void {
  if (timeoutMs === undefined || timerMs('heartbeatTimeoutMs', timeoutMs, 0) > intervalMs) return;
  const message = `options.heartbeatTimeoutMs (${timeoutMs}) must be above options.heartbeatIntervalMs (${intervalMs}), or every agent goes offline between two heartbeats; the default is 3 x the interval`;
  throw Object.assign(new RangeError(message), { code: 'ERR_OUT_OF_RANGE' });
}

/** The backoff between dials: its waits are Node timers (0 or NaN redialled hundreds of times a second). */
export function backoff(name: string, value: BackoffOptions | undefined, fallback: BackoffOptions): BackoffOptions {
  return value === undefined ? fallback : checkBackoff(`AgentHost options.${name}`, value);
}
