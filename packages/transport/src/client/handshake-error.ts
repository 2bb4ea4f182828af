/**
 * The errors a connection's HTTP/2 handshake fails with, alike on both engines. Each carries a
 * `code`, also named at the end of its message, because the channel reports a failed attempt as
 * UNAVAILABLE with the message in the details; what lies beneath (a socket error, the session's
 * protocol error) is the `cause`.
 */

/** The server's SETTINGS did not arrive within `handshakeTimeoutMs`. */
export const ERR_HANDSHAKE_TIMEOUT = 'ERR_VMRPC_HTTP2_HANDSHAKE_TIMEOUT';
/** The connection closed (or failed: see `cause`) before the server's SETTINGS arrived. */
export const ERR_HANDSHAKE_FAILED = 'ERR_VMRPC_HTTP2_HANDSHAKE_FAILED';

export interface HandshakeError extends Error {
  code: typeof ERR_HANDSHAKE_TIMEOUT | typeof ERR_HANDSHAKE_FAILED;
}

function handshakeError(code: HandshakeError['code'], message: string, cause: Error | undefined): HandshakeError {
  const error = new Error(`${message} (${code})`, cause === undefined ? undefined : { cause }) as HandshakeError;
  error.code = code;
  return error;
}

export function handshakeTimedOut(timeoutMs: number, cause?: Error): HandshakeError {
  return handshakeError(ERR_HANDSHAKE_TIMEOUT, `HTTP/2 handshake did not complete within ${timeoutMs} ms`, cause);
}

/** The handshake ended early: with `cause` when the session or socket failed, else a plain close. */
export function handshakeFailed(cause: Error | undefined): HandshakeError {
  const message = cause === undefined ? 'the connection closed during the HTTP/2 handshake' : `the HTTP/2 handshake failed: ${cause.message}`;
  return handshakeError(ERR_HANDSHAKE_FAILED, message, cause);
}
