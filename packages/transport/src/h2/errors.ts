/**
 * The errors the engine reports. A connection error (RFC 9113, 5.4.1) carries `code`
 * `ERR_VMRPC_HTTP2_PROTOCOL` and the HTTP/2 error code it was sent or received with in `h2Code`.
 */
import { H2ErrorCode } from './types';

/** An error of the HTTP/2 engine: its `code` (ERR_VMRPC_HTTP2_*) and the HTTP/2 error code. */
export interface H2Error extends Error {
  /** ERR_VMRPC_HTTP2_PROTOCOL, ERR_VMRPC_HTTP2_GOAWAY or ERR_VMRPC_HTTP2_SESSION_CLOSED. */
  code: string;
  /** The HTTP/2 error code (H2ErrorCode) sent in, or received with, GOAWAY or RST_STREAM. */
  h2Code: number;
}

/** A rule of HTTP/2 was broken by the peer (we send GOAWAY with `h2Code`). */
export const ERR_PROTOCOL = 'ERR_VMRPC_HTTP2_PROTOCOL';
/** The peer ended the connection with GOAWAY carrying an error code. */
export const ERR_GOAWAY = 'ERR_VMRPC_HTTP2_GOAWAY';
/** The session closed (socket closed, destroyed) while the stream was still open. */
export const ERR_CLOSED = 'ERR_VMRPC_HTTP2_SESSION_CLOSED';

export function h2Error(code: string, h2Code: number, message: string): H2Error {
  const error = new Error(message) as H2Error;
  error.code = code;
  error.h2Code = h2Code;
  return error;
}

/** Thrown inside the frame handlers; the session turns it into GOAWAY and closes. */
export class ConnectionError extends Error {
  constructor(
    readonly h2Code: number,
    message: string,
  ) {
    super(message);
  }
}

/** A connection error of code PROTOCOL_ERROR. */
export function protocolError(message: string): ConnectionError {
  return new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, message);
}

/** Thrown inside a stream's frame handlers; the session resets only that stream. */
export class StreamError extends Error {
  constructor(
    readonly streamId: number,
    readonly h2Code: number,
    message: string,
  ) {
    super(message);
  }
}

/** The session or connection ended under a stream, a ping or a request (ERR_CLOSED, CANCEL). */
export function closedError(what: string): H2Error {
  return h2Error(ERR_CLOSED, H2ErrorCode.CANCEL, what);
}
