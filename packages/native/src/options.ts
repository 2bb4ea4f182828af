/** Validation of user options, with Node-style errors that name the bad option. */
import { invalidArgType, outOfRange } from './errors';

export function optionalObject<T extends object>(name: string, value: T | undefined): T {
  if (value === undefined || value === null) return {} as T;
  if (typeof value !== 'object') throw invalidArgType(name, 'of type object', value);
  return value;
}

/** The longest wait a Node timer holds (about 24.8 days); setTimeout fires after 1 ms beyond it. */
export const MAX_TIMEOUT_MS = 0x7fffffff;

/** A timeout in ms: a positive number up to {@link MAX_TIMEOUT_MS}, or Infinity for no timer. */
export function checkTimeout(name: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (Number.isNaN(value) || value <= 0 || (value > MAX_TIMEOUT_MS && value !== Infinity)) {
    throw outOfRange(name, `a positive number of milliseconds up to ${MAX_TIMEOUT_MS}, or Infinity for no time limit`, value);
  }
  return value;
}

export function checkSignal(name: string, value: unknown): AbortSignal | undefined {
  if (value === undefined) return undefined;
  if (!(value instanceof AbortSignal)) throw invalidArgType(name, 'an AbortSignal', value);
  return value;
}

export function checkBoolean(name: string, value: unknown): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') throw invalidArgType(name, 'of type boolean', value);
  return value;
}

export function checkPositiveInteger(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value <= 0 || value > max) throw outOfRange(name, `an integer from 1 to ${max}`, value);
  return value;
}

export function checkFunction<F>(name: string, value: F | undefined): F | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'function') throw invalidArgType(name, 'of type function', value);
  return value;
}
