/** What the suites of typed calls straight on the channel share: gRPC framing by hand, error checks, a served client. */
import { RpcError, closeClient, createClient, createServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../support/checks.js';
import { StreamingService, type StreamingServiceClient } from './generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from './streaming-service.js';

/** A gRPC length-prefixed message, for servers that answer by hand. */
export function frame(message: Buffer): Buffer {
  const prefix = Buffer.alloc(5);
  prefix.writeUInt32BE(message.length, 1);
  return Buffer.concat([prefix, message]);
}

/** The RpcError `promise` rejects with (within 5 s). */
export async function rpcError(promise: Promise<unknown>): Promise<RpcError> {
  const error = await rejection(within(5000, 'call', promise));
  expect(error).to.be.instanceOf(RpcError);
  return error as unknown as RpcError;
}

/** A typed client of the Streaming service served by createServer() on a fresh Unix socket, per test. */
export interface ServedClient {
  client: StreamingServiceClient;
  target: string;
}

/** Registers beforeEach/afterEach that serve the Streaming service and make a client of it. */
export function servedStreamingClient(name: string): ServedClient {
  const served = {} as ServedClient;
  let server: ReturnType<typeof createServer>;
  beforeEach(async function () {
    served.target = `unix:${socketPath(name)}`;
    server = createServer().add(StreamingService, streamingImplementation(newLog()));
    await server.listen(served.target);
    served.client = createClient(StreamingService, served.target);
  });
  afterEach(async function () {
    closeClient(served.client);
    await server.close(1000);
  });
  return served;
}
