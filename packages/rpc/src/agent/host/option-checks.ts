/** Checks of AgentHost's numeric options: each error names the option and the range it takes. */
import { checkTimerMs } from '@vmrpc/transport';

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
