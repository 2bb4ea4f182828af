/**
 * gRPC's length-prefixed messages out of a call's DATA: a 1-byte compressed flag and a 4-byte
 * big-endian length before each message. HTTP/2 splits messages anywhere; a message that arrives
 * whole in one piece (a small call's only message) is handed on as a view, without a copy. A
 * message longer than the limit is refused at its prefix, before anything is buffered for it.
 * Compressed messages are inflated here, within the same limit.
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { Metadata, status } from '@grpc/grpc-js';
import { RpcError } from '../../errors';
import { ACCEPTED_ENCODINGS } from './wire';

const PREFIX_BYTES = 5;

/** Told of each message, in order. */
export interface MessageSink {
  onMessage(message: Buffer, compressed: boolean): void;
}

export class MessageReader {
  private prefix: Buffer | undefined;
  private prefixFilled = 0;
  private body: Buffer | undefined;
  private bodyFilled = 0;
  private compressed = false;

  /** `maxBytes`: the largest message accepted (Infinity for no limit). */
  constructor(private readonly maxBytes: number) {}

  /** Whether a message is partly received (the request must not end here). */
  get midMessage(): boolean {
    return this.prefixFilled > 0 || this.body !== undefined;
  }

  /** Feeds DATA; each message it completes goes to `sink`. Throws RpcError for a bad or oversized prefix. */
  push(chunk: Buffer, sink: MessageSink): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.body === undefined) {
        let flag: number;
        let length: number;
        if (this.prefixFilled === 0 && chunk.length - offset >= PREFIX_BYTES) {
          flag = chunk[offset]!;
          length = chunk.readUInt32BE(offset + 1);
          offset += PREFIX_BYTES;
        } else {
          const prefix = (this.prefix ??= Buffer.allocUnsafe(PREFIX_BYTES));
          const take = Math.min(PREFIX_BYTES - this.prefixFilled, chunk.length - offset);
          chunk.copy(prefix, this.prefixFilled, offset, offset + take);
          this.prefixFilled += take;
          offset += take;
          if (this.prefixFilled < PREFIX_BYTES) return;
          this.prefixFilled = 0;
          flag = prefix[0]!;
          length = prefix.readUInt32BE(1);
        }
        if (flag > 1) throw new RpcError(status.INTERNAL, `invalid compressed flag ${flag} in a message prefix`);
        if (length > this.maxBytes) throw new RpcError(status.RESOURCE_EXHAUSTED, `Received message larger than max (${length} vs. ${this.maxBytes})`);
        if (chunk.length - offset >= length) {
          sink.onMessage(chunk.subarray(offset, offset + length), flag === 1);
          offset += length;
          continue;
        }
        this.body = Buffer.allocUnsafe(length);
        this.bodyFilled = 0;
        this.compressed = flag === 1;
      }
      const take = Math.min(this.body.length - this.bodyFilled, chunk.length - offset);
      chunk.copy(this.body, this.bodyFilled, offset, offset + take);
      this.bodyFilled += take;
      offset += take;
      if (this.bodyFilled < this.body.length) return;
      const message = this.body;
      this.body = undefined;
      sink.onMessage(message, this.compressed);
    }
  }
}

/**
 * A compressed message inflated with the request's grpc-encoding, up to `maxBytes`. Synchronous:
 * the input is bounded by the same limit, and messages stay in order without a queue.
 */
export function decompress(message: Buffer, encoding: string | undefined, maxBytes: number): Buffer {
  if (encoding === undefined || encoding === 'identity') {
    throw new RpcError(status.INTERNAL, 'a message is marked compressed but the request has no grpc-encoding');
  }
  if (encoding !== 'gzip' && encoding !== 'deflate') {
    // The trailers say what the server accepts, as gRPC's compression spec asks.
    const accepted = new Metadata();
    accepted.set('grpc-accept-encoding', ACCEPTED_ENCODINGS);
    throw new RpcError(status.UNIMPLEMENTED, `Received message compressed with unsupported encoding "${encoding}"`, accepted);
  }
  const options = Number.isFinite(maxBytes) ? { maxOutputLength: Math.max(maxBytes, 1) } : {};
  try {
    return encoding === 'gzip' ? gunzipSync(message, options) : inflateSync(message, options);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new RpcError(status.RESOURCE_EXHAUSTED, `Received message that decompresses to a size larger than ${maxBytes}`);
    }
    throw new RpcError(status.INTERNAL, 'Failed to decompress message');
  }
}
