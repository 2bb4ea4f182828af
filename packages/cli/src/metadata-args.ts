/** `-H 'key: value'` arguments as gRPC metadata; `-bin` keys take base64 values. */
import { Metadata } from '@grpc/grpc-js';
import { UsageError } from './errors';

/** The metadata of the given header arguments. */
export function metadataFromHeaders(headers: readonly string[]): Metadata {
  const metadata = new Metadata();
  for (const header of headers) {
    const colon = header.indexOf(':');
    const key = header.slice(0, Math.max(colon, 0)).trim().toLowerCase();
    if (colon <= 0 || !/^[0-9a-z_.-]+$/.test(key)) throw new UsageError(`-H wants 'key: value' with a key of 0-9 a-z _ . - (got '${header}')`);
    const value = header.slice(colon + 1).trim();
    if (key.endsWith('-bin')) metadata.add(key, Buffer.from(value, 'base64'));
    else metadata.add(key, value);
  }
  return metadata;
}

/** Metadata as `key: value` lines (binary values in base64), for --verbose. */
export function metadataLines(metadata: Metadata, prefix: string): string {
  const lines: string[] = [];
  for (const [key, values] of Object.entries(metadata.toJSON())) {
    for (const value of values) lines.push(`${prefix}${key}: ${Buffer.isBuffer(value) ? value.toString('base64') : value}\n`);
  }
  return lines.join('');
}
