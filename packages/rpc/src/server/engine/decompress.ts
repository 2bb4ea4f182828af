/**
 * Compressed request messages on the engine server: inflated with the request's grpc-encoding,
 * within the receive limit. (Framing is @vmrpc/transport's FrameDecoder, shared with the client.)
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { Metadata, status } from '@grpc/grpc-js';
import { RpcError } from '../../errors';
import { ACCEPTED_ENCODINGS } from './wire';

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
