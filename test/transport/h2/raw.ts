/**
 * Hand-made HTTP/2 bytes for the rules a well-behaved peer never breaks (oversized frames,
 * refused streams, garbage): frames built and parsed by the test itself over real sockets.
 */
import * as net from 'node:net';
import { within } from '../../support/checks.js';

export const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export function rawFrame(type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(9);
  header.writeUIntBE(payload.length, 0, 3);
  header[3] = type;
  header[4] = flags;
  header.writeUInt32BE(streamId, 5);
  return Buffer.concat([header, payload]);
}

export interface ParsedFrame {
  type: number;
  flags: number;
  streamId: number;
  payload: Buffer;
}

/** The complete frames in `bytes` (after `skip` bytes, e.g. the client preface). */
export function parseFrames(bytes: Buffer, skip = 0): ParsedFrame[] {
  const frames: ParsedFrame[] = [];
  for (let offset = skip; offset + 9 <= bytes.length; ) {
    const length = bytes.readUIntBE(offset, 3);
    if (offset + 9 + length > bytes.length) break;
    frames.push({ type: bytes[offset + 3], flags: bytes[offset + 4], streamId: bytes.readUInt32BE(offset + 5) & 0x7fffffff, payload: bytes.subarray(offset + 9, offset + 9 + length) });
    offset += 9 + length;
  }
  return frames;
}

/** A raw socket that records everything it receives and settles `closed` when the peer closes. */
export class RawPeer {
  received: Buffer = Buffer.alloc(0);
  readonly closed: Promise<void>;
  private waiters: Array<() => void> = [];

  constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.received = Buffer.concat([this.received, chunk]);
      for (const waiter of this.waiters.splice(0)) waiter();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async connect(path: string): Promise<RawPeer> {
    const socket = net.connect(path);
    await within(5000, 'raw connect', new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)));
    return new RawPeer(socket);
  }

  /** Waits (bounded) for a received frame matching `test`. */
  async frame(what: string, test: (frame: ParsedFrame) => boolean, skip = 0): Promise<ParsedFrame> {
    return within(5000, what, new Promise<ParsedFrame>((resolve, reject) => {
      const check = (): void => {
        const found = parseFrames(this.received, skip).find(test);
        if (found !== undefined) return resolve(found);
        if (this.socket.destroyed) return reject(new Error(`${what}: the socket closed first`));
        this.waiters.push(check);
      };
      this.socket.once('close', () => check());
      check();
    }));
  }
}

/** A deterministic pseudo-random generator (xorshift32), so a failing fuzz seed can be replayed. */
export function randomGenerator(seed: number): (bound: number) => number {
  let state = seed >>> 0 || 1;
  return (bound) => {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state % bound;
  };
}
