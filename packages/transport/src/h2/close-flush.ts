/**
 * The end of a session's socket: what is queued is written, then the socket is destroyed, within a
 * bound. A peer that stopped reading must not hold the socket and its buffers for ever.
 */
import type { Duplex } from 'node:stream';

/** How long a closing session waits for the socket to flush its last frames ('finish') before destroying it. */
export const CLOSE_FLUSH_TIMEOUT_MS = 5000;

/** Ends `socket` and destroys it once flushed or after CLOSE_FLUSH_TIMEOUT_MS; at once when `blocked`. */
export function closeAfterFlush(socket: Duplex, blocked: boolean): void {
  if (blocked || socket.destroyed) {
    socket.destroy();
    return;
  }
  socket.end();
  const timer = setTimeout(() => socket.destroy(), CLOSE_FLUSH_TIMEOUT_MS);
  timer.unref();
  socket.once('finish', () => socket.destroy());
  socket.once('close', () => clearTimeout(timer));
}
