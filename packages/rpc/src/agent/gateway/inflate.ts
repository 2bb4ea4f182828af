/**
 * Compressed request messages (gRPC's per-message compression, `grpc-encoding: gzip|deflate`):
 * the gateway inflates them and forwards them uncompressed, so the next hop needs no codec and
 * the message limit applies to what the message really is, not to its compressed size.
 */
import { promisify } from 'node:util';
import * as zlib from 'node:zlib';
import { status as Status } from '@grpc/grpc-js';

/** The encodings a gateway takes from callers, as its responses announce them (grpc-accept-encoding). */
export const ACCEPTED_ENCODINGS = 'identity,deflate,gzip';

const gunzip = promisify(zlib.gunzip);
const inflate = promisify(zlib.inflate);

/** A request the gateway cannot take, with the status to end the call with. */
export class InflateError extends Error {
  constructor(readonly code: Status, message: string) {
    super(message);
  }
}

export type Inflater = (message: Buffer) => Promise<Buffer>;

/**
 * How to inflate the compressed messages of a call whose `grpc-encoding` is `encoding`; throws an
 * InflateError for an encoding the gateway does not know.
 */
export function inflaterFor(encoding: string | undefined, maxMessageBytes: number): Inflater {
  const name = encoding ?? 'identity';
  const algorithm = name === 'gzip' ? gunzip : name === 'deflate' ? inflate : undefined;
  if (algorithm === undefined) {
    return async () => {
      // gRPC: a compressed message without an encoding is INTERNAL, an unknown encoding UNIMPLEMENTED.
      if (name === 'identity') throw new InflateError(Status.INTERNAL, 'a message is marked compressed but the call has no grpc-encoding');
      throw new InflateError(Status.UNIMPLEMENTED, `grpc-encoding ${JSON.stringify(name)} is not supported by the gateway (it takes ${ACCEPTED_ENCODINGS})`);
    };
  }
  return async (message) => {
    try {
      // maxOutputLength stops zlib at the limit: a small bomb never becomes a large buffer.
      return await algorithm(message, { maxOutputLength: maxMessageBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new InflateError(Status.RESOURCE_EXHAUSTED, `an inflated request message is larger than the gateway's limit of ${maxMessageBytes} bytes`);
      }
      throw new InflateError(Status.INTERNAL, `a ${name}-compressed request message does not inflate: ${(error as Error).message}`);
    }
  };
}
