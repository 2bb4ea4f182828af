/** The checks of createH2Session's options beyond the settings (settings.ts checks those). */
import { DEFAULT_WINDOW } from './frame';
import type { H2SessionOptions } from './types';

const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

export function isClientRole(options: H2SessionOptions): boolean {
  if (options.role !== 'client' && options.role !== 'server') {
    throw new TypeError(`H2SessionOptions.role must be 'client' or 'server', got ${String(options.role)}`);
  }
  return options.role === 'client';
}

/** Queued bytes of a stream beyond which sendData() returns false. */
export function highWaterMarkOf(options: H2SessionOptions): number {
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  if (!(highWaterMark >= 0)) throw new RangeError(`H2SessionOptions.highWaterMark must be a number of bytes >= 0, got ${String(options.highWaterMark)}`);
  return highWaterMark;
}

/** The receive window of the whole connection. */
export function connectionWindowOf(options: H2SessionOptions): number {
  const bytes = options.connectionWindowBytes ?? DEFAULT_WINDOW;
  if (!Number.isInteger(bytes) || bytes < DEFAULT_WINDOW || bytes > 0x7fffffff) {
    throw new RangeError(`H2SessionOptions.connectionWindowBytes must be an integer from 65535 to 2^31-1, got ${String(bytes)}`);
  }
  return bytes;
}
