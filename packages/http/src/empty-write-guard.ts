/**
 * WORKAROUND for @vmrpc/native's portable data path (0.1.0): a zero-length write (node:http
 * writes one when it ends a response) makes its writev loop spin without end, freezing the event
 * loop. HTTP servers and clients write empty chunks routinely, so on portable sockets empty chunks
 * are dropped here before they reach the socket. Remove once the native socket skips them itself.
 */
import type { VmSocket } from '@vmrpc/native';

type WriteCallback = (error?: Error | null) => void;
type Chunk = { chunk: Buffer };

interface WritevSocket {
  _writev?: (chunks: Chunk[], callback: WriteCallback) => void;
  _write: (chunk: Buffer, encoding: BufferEncoding, callback: WriteCallback) => void;
}

/** Drops zero-length writes on `socket` when it runs on the portable data path; returns it. */
export function guardEmptyWrites<S extends VmSocket>(socket: S): S {
  if (socket.dataPath !== 'portable') return socket;
  const target = socket as unknown as WritevSocket;
  const writev = target._writev?.bind(socket);
  const write = target._write.bind(socket);
  target._write = (chunk, encoding, callback) => (chunk.length === 0 ? callback(null) : write(chunk, encoding, callback));
  if (writev !== undefined) {
    target._writev = (chunks, callback) => {
      const nonEmpty = chunks.filter(({ chunk }) => chunk.length > 0);
      if (nonEmpty.length === 0) callback(null);
      else writev(nonEmpty, callback);
    };
  }
  return socket;
}
