/**
 * Response metadata that decodes its HTTP/2 headers on first use. The CallStream contract hands
 * every call's headers and trailers to the listener as grpc-js `Metadata`, but most callers never
 * look (a typed client reads them only for onHeader/onTrailer or a failed call); decoding them
 * for every call (base64 of `-bin` keys, validation, one Map per call) was measurable.
 *
 * Every method of grpc-js's Metadata (get, getMap, clone, merge, toHttp2Headers, toJSON, ...)
 * reaches its entries through the `internalRepr` field; a subclass whose prototype has an
 * accessor of that name decodes on the first read. A grpc-js without that field (a future
 * version) is detected once at load, and the metadata is then decoded at once, as before.
 */
import type * as http2 from 'node:http2';
import { Metadata, type MetadataValue } from '@grpc/grpc-js';

type Entries = Map<string, MetadataValue[]>;

const ENTRIES = Symbol('entries');
const SOURCE = Symbol('source');

interface Source {
  headers: http2.IncomingHttpHeaders;
  consumed: ReadonlySet<string>;
}

interface LazyState {
  [ENTRIES]?: Entries;
  [SOURCE]?: Source;
}

/** The metadata of `headers`: no pseudo-headers, none of `consumed`. */
function decode({ headers, consumed }: Source): Metadata {
  const kept: http2.IncomingHttpHeaders = {};
  for (const key in headers) {
    if (key.charCodeAt(0) !== 58 /* ':' */ && !consumed.has(key)) kept[key] = headers[key];
  }
  return Metadata.fromHttp2Headers(kept);
}

class LazyMetadata extends Metadata {}

Object.defineProperty(LazyMetadata.prototype, 'internalRepr', {
  get(this: LazyState): Entries {
    const source = this[SOURCE];
    if (source !== undefined) {
      this[SOURCE] = undefined;
      this[ENTRIES] = (decode(source) as unknown as { internalRepr: Entries }).internalRepr;
    }
    return this[ENTRIES]!;
  },
  set(this: LazyState, entries: Entries) {
    this[SOURCE] = undefined;
    this[ENTRIES] = entries;
  },
});

/** Whether this grpc-js keeps its entries in `internalRepr` (then the accessor sees the constructor's write). */
const supported = ((): boolean => {
  const probe = new LazyMetadata() as unknown as LazyState;
  return probe[ENTRIES] instanceof Map;
})();

/** The metadata of `headers` without pseudo-headers and `consumed`, decoded when first used. */
export function lazyMetadata(headers: http2.IncomingHttpHeaders, consumed: ReadonlySet<string>): Metadata {
  if (!supported) return decode({ headers, consumed });
  const metadata = new LazyMetadata();
  (metadata as unknown as LazyState)[SOURCE] = { headers, consumed };
  return metadata;
}
