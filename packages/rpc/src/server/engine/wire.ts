/**
 * The gRPC-over-HTTP/2 details of the engine server (gRPC's PROTOCOL-HTTP2.md): reading a
 * request's header list, the response headers and trailers as header lists, grpc-timeout and
 * grpc-message. Header lists are flat `[name, value, ...]` arrays (H2Session's HeaderList); the
 * constant ones are shared by every call, and the engine does not change them.
 */
import { Metadata, status, type StatusObject } from '@grpc/grpc-js';
import { encodeGrpcMessage, type HeaderList } from '@vmrpc/transport';

/** What the server encodes requests it accepts with, announced in response headers and with UNIMPLEMENTED for others. */
export const ACCEPTED_ENCODINGS = 'identity,deflate,gzip';

/** The response headers of every call, as grpc-js sends them (responses are never compressed). */
export const RESPONSE_HEADERS: HeaderList = [':status', '200', 'content-type', 'application/grpc+proto', 'grpc-accept-encoding', ACCEPTED_ENCODINGS, 'grpc-encoding', 'identity'];
const OK_TRAILERS: HeaderList = ['grpc-status', '0'];
const TRAILERS_ONLY_HEAD: HeaderList = [':status', '200', 'content-type', 'application/grpc+proto'];

/** Request headers that are the protocol's, not the caller's metadata (grpc-js leaves the same out). */
const NOT_METADATA = new Set(['te', 'content-type', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding', 'accept-encoding']);

/** What the server reads off a request's header list. */
export interface RequestHead {
  method: string | undefined;
  path: string | undefined;
  contentType: string | undefined;
  timeout: string | undefined;
  encoding: string | undefined;
  /** The caller's metadata as received, `[name, value, ...]`: made into a Metadata by metadataOf() when a handler reads it. */
  metadataFields: string[];
}

function addMetadata(metadata: Metadata, key: string, value: string): void {
  try {
    if (key.endsWith('-bin')) {
      // Several values may come in one field, comma-separated (gRPC's HTTP/2 mapping).
      for (const part of value.split(',')) metadata.add(key, Buffer.from(part.trim(), 'base64'));
      return;
    }
    const before = metadata.get(key);
    // node:http2 joins a repeated field with ", ", so grpc-js's server shows one value: so do we.
    if (before.length > 0) metadata.set(key, `${String(before[0])}, ${value}`);
    else metadata.add(key, value);
  } catch {
    // A key or value Metadata refuses is left out, as grpc-js's server leaves it out.
  }
}

/** The fields the server needs, and the caller's metadata fields (what `context.metadata` shows). */
export function readRequestHead(headers: HeaderList): RequestHead {
  const head: RequestHead = { method: undefined, path: undefined, contentType: undefined, timeout: undefined, encoding: undefined, metadataFields: [] };
  for (let i = 0; i + 1 < headers.length; i += 2) {
    const name = headers[i]!;
    const value = headers[i + 1]!;
    if (name.charCodeAt(0) === 58 /* ':' */) {
      if (name === ':method') head.method = value;
      else if (name === ':path') head.path = value;
    } else if (NOT_METADATA.has(name)) {
      if (name === 'content-type') head.contentType = value;
      else if (name === 'grpc-timeout') head.timeout = value;
      else if (name === 'grpc-encoding') head.encoding = value;
    } else {
      head.metadataFields.push(name, value);
    }
  }
  return head;
}

/** The request's metadata as grpc-js's server presents it (built on first read: most handlers never look). */
export function metadataOf(fields: readonly string[]): Metadata {
  const metadata = new Metadata();
  for (let i = 0; i + 1 < fields.length; i += 2) addMetadata(metadata, fields[i]!, fields[i + 1]!);
  return metadata;
}

/** `base` followed by the fields of `metadata` (`-bin` values in base64); `base` itself when there are none. */
export function withMetadata(base: HeaderList, metadata: Metadata | null | undefined): HeaderList {
  if (metadata === null || metadata === undefined) return base;
  const fields = metadata.toHttp2Headers();
  let list = base;
  for (const key in fields) {
    // Pseudo-headers cannot be metadata; Metadata accepts ':' in keys, HTTP/2 would not.
    if (key.charCodeAt(0) === 58) continue;
    if (list === base) list = base.slice();
    const value = fields[key]!;
    if (Array.isArray(value)) for (const item of value) list.push(key, item);
    else list.push(key, String(value));
  }
  return list;
}

function statusFields(code: number, details: string | undefined): HeaderList {
  if (code === status.OK && !details) return OK_TRAILERS;
  return details ? ['grpc-status', String(code), 'grpc-message', encodeGrpcMessage(details)] : ['grpc-status', String(code)];
}

/** The trailers ending a call whose response headers were sent. */
export function trailersOf(code: number, details: string | undefined, metadata: Metadata | null | undefined): HeaderList {
  return withMetadata(statusFields(code, details), metadata);
}

/** A Trailers-Only response: the status in the response headers, ending the stream. */
export function trailersOnly(result: Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata | null }): HeaderList {
  return withMetadata(TRAILERS_ONLY_HEAD.concat(statusFields(result.code, result.details)), result.metadata);
}
