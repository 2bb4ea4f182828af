/**
 * netcat's data flow between a connected socket and this process: input -> socket and
 * socket -> output, each with backpressure, each ended on its own. Input's end half-closes
 * the socket (end(), so the peer reads EOF) while its replies keep coming; the relay is done
 * when both directions are, or fails with the socket's first error.
 */
import type { Duplex, Readable, Writable } from 'node:stream';

/** Bytes moved so far, both ways. */
export interface ByteCounts {
  sent: number;
  received: number;
}

// After the peer has ended, a write can meet a socket it already closed: that ends sending.
const PEER_GONE = new Set(['EPIPE', 'ECONNRESET', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

function copy(from: Readable, to: Writable, count: (bytes: number) => void): void {
  from.on('data', (chunk: Buffer) => {
    count(chunk.length);
    if (!to.write(chunk)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
}

/**
 * Relays until both directions have ended. `input` undefined sends nothing (the socket is ended
 * at once); `output` is never ended (it is usually stdout).
 */
export function relay(socket: Duplex, input: Readable | undefined, output: Writable, counts: ByteCounts): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let peerEnded = false;
    let inputEnded = false;
    const stopInput = (): void => {
      input?.removeAllListeners('data');
      input?.pause();
    };
    const finish = (): void => {
      if (!peerEnded || !inputEnded) return;
      socket.removeListener('error', onError);
      socket.destroy();
      resolve();
    };
    const onError = (error: Error & { code?: string }): void => {
      if (peerEnded && PEER_GONE.has(error.code ?? '')) {
        stopInput();
        inputEnded = true;
        return finish();
      }
      stopInput();
      socket.destroy();
      reject(error);
    };
    socket.on('error', onError);
    copy(socket, output, (bytes) => (counts.received += bytes));
    socket.once('end', () => {
      peerEnded = true;
      finish();
    });
    const endSending = (): void => {
      // 'finish': our FIN is written, so the peer will read EOF.
      socket.end(() => {
        inputEnded = true;
        finish();
      });
    };
    if (input === undefined) return endSending();
    copy(input, socket, (bytes) => (counts.sent += bytes));
    input.once('end', endSending);
    input.once('error', (error) => {
      socket.destroy();
      reject(error);
    });
  });
}
