/**
 * How a gRPC status is read off an HTTP/2 response: trailers (or Trailers-Only headers), the
 * HTTP status of non-gRPC responses, and the RST_STREAM code of streams that end without one.
 * Mappings follow gRPC's "HTTP to gRPC status code mapping" and grpc-js's client behaviour.
 */
import * as http2 from 'node:http2';
import { Metadata, status as Status, type StatusObject } from '@grpc/grpc-js';

const { NGHTTP2_REFUSED_STREAM, NGHTTP2_CANCEL, NGHTTP2_ENHANCE_YOUR_CALM, NGHTTP2_INADEQUATE_SECURITY } = http2.constants;

/**
 * Headers left out of the metadata users see, as the stock grpc-js client leaves them out: the
 * compression headers of response headers (its compression filter consumes them) and the status
 * of trailers. Everything else (content-type, date, ...) is metadata, so both clients agree.
 */
const CONSUMED_RESPONSE_HEADERS = new Set(['grpc-encoding', 'grpc-accept-encoding']);
const CONSUMED_TRAILERS = new Set(['grpc-status', 'grpc-message']);

/** gRPC code for a non-200 HTTP status. */
export function statusFromHttpStatus(httpStatus: number): Status {
  switch (httpStatus) {
    case 400:
      return Status.INTERNAL;
    case 401:
      return Status.UNAUTHENTICATED;
    case 403:
      return Status.PERMISSION_DENIED;
    case 404:
      return Status.UNIMPLEMENTED;
    case 429:
    case 502:
    case 503:
    case 504:
      return Status.UNAVAILABLE;
    default:
      return Status.UNKNOWN;
  }
}

/**
 * Status for a stream reset before any status arrived. `lostConnectionTo`: the session went away
 * (its peer's name, for the message).
 */
export function statusFromRstCode(rstCode: number, lostConnectionTo: string | undefined): Pick<StatusObject, 'code' | 'details'> {
  if (lostConnectionTo !== undefined) return { code: Status.UNAVAILABLE, details: `Connection to ${lostConnectionTo} dropped` };
  switch (rstCode) {
    case NGHTTP2_REFUSED_STREAM:
      return { code: Status.UNAVAILABLE, details: 'Stream refused by server' };
    case NGHTTP2_CANCEL:
      return { code: Status.CANCELLED, details: 'Call cancelled' };
    case NGHTTP2_ENHANCE_YOUR_CALM:
      return { code: Status.RESOURCE_EXHAUSTED, details: 'Bandwidth exhausted or memory limit exceeded' };
    case NGHTTP2_INADEQUATE_SECURITY:
      return { code: Status.PERMISSION_DENIED, details: 'Protocol not secure enough' };
    default:
      return { code: Status.INTERNAL, details: `Received RST_STREAM with code ${rstCode}` };
  }
}

const PLAIN_MESSAGE = /^[\x20-\x24\x26-\x7e]*$/;

/** grpc-message's percent-encoding: every UTF-8 byte outside 0x20-0x7E, and '%', as %XX. */
export function encodeGrpcMessage(details: string): string {
  if (PLAIN_MESSAGE.test(details)) return details;
  let encoded = '';
  for (const byte of Buffer.from(details, 'utf8')) {
    encoded += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return encoded;
}

/** grpc-message is percent-encoded; a malformed encoding is shown as received. */
export function decodeGrpcMessage(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function metadataWithout(headers: http2.IncomingHttpHeaders, consumed: ReadonlySet<string>): Metadata {
  // No prototype, as node:http2's own: a header named __proto__ is kept as a field.
  const kept: http2.IncomingHttpHeaders = Object.create(null);
  for (const key in headers) {
    if (key.charCodeAt(0) !== 58 /* ':' */ && !consumed.has(key)) kept[key] = headers[key];
  }
  return Metadata.fromHttp2Headers(kept);
}

/** The metadata of response headers (`onReceiveMetadata`). */
export function metadataFromResponseHeaders(headers: http2.IncomingHttpHeaders): Metadata {
  return metadataWithout(headers, CONSUMED_RESPONSE_HEADERS);
}

/** The status carried by trailers (or a Trailers-Only response). */
/**
 * The status the trailers carry, with their metadata. `okMetadata` false: an OK status gets an
 * empty Metadata (a caller that reads no trailers); an error always has its trailers (RpcError's
 * metadata).
 */
export function statusFromTrailers(trailers: http2.IncomingHttpHeaders, okMetadata = true): StatusObject {
  const rawCode = trailers['grpc-status'];
  const code = typeof rawCode === 'string' && /^\d+$/.test(rawCode) ? Number(rawCode) : NaN;
  const metadata = okMetadata || code !== Status.OK ? metadataWithout(trailers, CONSUMED_TRAILERS) : new Metadata();
  if (!Number.isInteger(code) || code < 0 || code > 16) {
    return { code: Status.UNKNOWN, details: `Received an invalid grpc-status: ${JSON.stringify(rawCode ?? null)}`, metadata };
  }
  const message = trailers['grpc-message'];
  return { code, details: typeof message === 'string' ? decodeGrpcMessage(message) : '', metadata };
}

/** Whether a content-type is gRPC's (application/grpc, optionally +proto or ;params). */
export function isGrpcContentType(value: string | undefined): boolean {
  return value !== undefined && /^application\/grpc([+;]|$)/.test(value);
}
