/**
 * Answering a caller's HTTP/2 stream the gRPC way: response headers once, then messages, then
 * trailers with the status; or, for a call that ends before any response headers, one
 * Trailers-Only response. A stream the caller already reset is left alone (node:http2 throws
 * on respond() to a destroyed stream).
 */
import { constants, type OutgoingHttpHeaders, type ServerHttp2Stream } from 'node:http2';
import type { Metadata, StatusObject } from '@grpc/grpc-js';
import { ACCEPTED_ENCODINGS } from './inflate';

const BASE_HEADERS: OutgoingHttpHeaders = {
  [constants.HTTP2_HEADER_STATUS]: 200,
  [constants.HTTP2_HEADER_CONTENT_TYPE]: 'application/grpc',
  // The gateway inflates what callers compress (inflate.ts); responses go uncompressed.
  'grpc-accept-encoding': ACCEPTED_ENCODINGS,
};

function statusHeaders(status: Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata }): OutgoingHttpHeaders {
  return {
    ...status.metadata?.toHttp2Headers(),
    'grpc-status': String(status.code),
    ...(status.details === '' ? {} : { 'grpc-message': encodeURIComponent(status.details) }),
  };
}

function open(stream: ServerHttp2Stream): boolean {
  return !stream.destroyed && !stream.closed;
}

/** Response headers carrying `metadata`; the stream then waits for trailers (see sendStatus). */
export function sendHeaders(stream: ServerHttp2Stream, metadata: Metadata): void {
  if (!open(stream) || stream.headersSent) return;
  stream.respond({ ...BASE_HEADERS, ...metadata.toHttp2Headers() }, { waitForTrailers: true });
}

/** Ends the call with `status`: trailers after what was written, or a Trailers-Only response. */
export function sendStatus(stream: ServerHttp2Stream, status: Pick<StatusObject, 'code' | 'details'> & { metadata?: Metadata }): void {
  if (!open(stream)) return;
  if (!stream.headersSent) {
    stream.respond({ ...BASE_HEADERS, ...statusHeaders(status) }, { endStream: true });
    return;
  }
  stream.once('wantTrailers', () => {
    if (open(stream)) stream.sendTrailers(statusHeaders(status));
  });
  stream.end();
}
