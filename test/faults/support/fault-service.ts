/**
 * The Conformance service (protos/vmrpc/testing/v1) as the fault suites use it, through
 * @vmrpc/rpc's typed server: every message carries its sequence number in its first 4 bytes
 * and a deterministic body, so a receiver can check order, exactly-once and every byte.
 */
import { createHash } from 'node:crypto';
import { RpcError, Status, createServer, type RpcServer, type ServerOptions } from '@vmrpc/rpc';
import { ConformanceService, type ConformanceServiceImplementation } from '../../rpc/generated/vmrpc/testing/v1/conformance.js';
import { SeededRandom } from './random.js';

/** What the server saw, for tests that check the server side of a fault. */
export interface ServiceLog {
  /** Response bytes handed to grpc-js so far (server streaming). */
  sentBytes: number;
  /** Calls whose request stream ended normally (client streaming) and how many messages each had. */
  completedStreams: number[];
  /** Calls whose request stream failed (the client vanished, cancelled...). */
  failedStreams: number;
  /** Calls the server saw cancelled (context.signal aborted). */
  cancelled: number;
  /** Handlers running now, and the most at once. */
  active: number;
  maxActive: number;
}

export function newServiceLog(): ServiceLog {
  return { sentBytes: 0, completedStreams: [], failedStreams: 0, cancelled: 0, active: 0, maxActive: 0 };
}

const blocks = new Map<number, Buffer>();

/** The body of every message of `size` bytes (random, the same in every process). */
export function messageBlock(size: number): Buffer {
  let block = blocks.get(size);
  if (block === undefined) {
    block = new SeededRandom(size + 1).bytes(size);
    blocks.set(size, block);
  }
  return block;
}

/** Message `index` of `size` bytes (at least 4): its sequence number, then the block. */
export function sequencedMessage(index: number, size: number): Buffer {
  const message = Buffer.from(messageBlock(Math.max(4, size)));
  message.writeUInt32BE(index >>> 0, 0);
  return message;
}

/** Checks message `expected` of a sequence; throws naming what is wrong (order, length, bytes). */
export function checkSequenced(message: Uint8Array, expected: number, size: number): void {
  const buffer = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (buffer.length !== Math.max(4, size)) throw new Error(`message ${expected}: ${buffer.length} bytes, expected ${size}`);
  const index = buffer.readUInt32BE(0);
  if (index !== expected >>> 0) throw new Error(`message ${index} arrived where ${expected} was expected (lost, repeated or reordered)`);
  if (!buffer.subarray(4).equals(messageBlock(Math.max(4, size)).subarray(4))) throw new Error(`message ${expected}: corrupted bytes`);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
  });
}

export function faultService(log: ServiceLog): ConformanceServiceImplementation {
  const enter = (signal: AbortSignal): (() => void) => {
    log.active++;
    log.maxActive = Math.max(log.maxActive, log.active);
    signal.addEventListener('abort', () => log.cancelled++, { once: true });
    return () => void log.active--;
  };
  return {
    async unary(request, context) {
      const leave = enter(context.signal);
      try {
        if (request.delayMs > 0) await sleep(request.delayMs, context.signal);
        if (request.statusCode !== 0) throw new RpcError(request.statusCode as Status, request.statusMessage);
        return { payload: request.payload, peer: context.peer, bytesReceived: BigInt(request.payload.length) };
      } finally {
        leave();
      }
    },
    // responseCount 0 streams until the client goes away.
    async *serverStream(request, context) {
      const leave = enter(context.signal);
      try {
        const count = request.responseCount === 0 ? Infinity : request.responseCount;
        for (let index = 0; index < count && !context.signal.aborted; index++) {
          const payload = sequencedMessage(index, request.responseSize);
          log.sentBytes += payload.length;
          yield { payload, index };
          if (request.delayMs > 0) await sleep(request.delayMs, context.signal);
        }
      } finally {
        leave();
      }
    },
    // Each request's payload starts with its sequence number; the answer is the hash of all payloads.
    async clientStream(requests, context) {
      const leave = enter(context.signal);
      const hash = createHash('sha256');
      let count = 0;
      let bytes = 0;
      try {
        for await (const request of requests) {
          const payload = Buffer.from(request.payload);
          if (payload.length >= 4 && payload.readUInt32BE(0) !== count >>> 0) {
            throw new RpcError(Status.DATA_LOSS, `request ${payload.readUInt32BE(0)} arrived where ${count} was expected`);
          }
          hash.update(payload);
          bytes += payload.length;
          count++;
        }
      } catch (error) {
        log.failedStreams++;
        throw error;
      } finally {
        leave();
      }
      log.completedStreams.push(count);
      return { payload: hash.digest(), index: count, bytesReceived: BigInt(bytes) };
    },
    async *bidi(requests, context) {
      const leave = enter(context.signal);
      let index = 0;
      try {
        for await (const request of requests) yield { payload: request.payload, index: index++ };
      } finally {
        leave();
      }
    },
  };
}

/** A typed server of the fault service (not listening yet). */
export function faultServer(log: ServiceLog, options: ServerOptions = {}): RpcServer {
  return createServer({ reflection: false, ...options }).add(ConformanceService, faultService(log));
}
