/** Metadata given as a plain object, for call options and handler contexts. */
import { Metadata } from '@grpc/grpc-js';

/** Keys ending in `-bin` take Buffers; others take strings. Arrays give a key several values. */
export type MetadataInit = Readonly<Record<string, string | Buffer | ReadonlyArray<string | Buffer>>>;

export function toMetadata(init: Metadata | MetadataInit | undefined): Metadata {
  if (init === undefined) return new Metadata();
  if (init instanceof Metadata) return init.clone();
  const metadata = new Metadata();
  for (const key of Object.keys(init)) {
    const value = init[key]!;
    const values: ReadonlyArray<string | Buffer> = typeof value === 'string' || Buffer.isBuffer(value) ? [value] : (value as ReadonlyArray<string | Buffer>);
    for (const item of values) metadata.add(key, item);
  }
  return metadata;
}

/** `target` plus every entry of `extra`, in that order. */
export function mergeMetadata(target: Metadata, extra: Metadata): Metadata {
  const merged = target.clone();
  for (const [key, values] of Object.entries(extra.toJSON())) {
    for (const value of values) merged.add(key, value);
  }
  return merged;
}
