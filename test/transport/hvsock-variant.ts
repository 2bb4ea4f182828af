/**
 * The conformance variant of Hyper-V sockets, shared by the real (Windows) and the simulated
 * runs: a stock grpc-js server behind listen() on hvsock loopback, and our channel.
 */
import * as grpc from '@grpc/grpc-js';
import { clientOptions, listen, type Http2Engine } from '@vmrpc/transport';
import { freshHvsockServicePort } from '../support/hvsock-gate.js';
import { ConformanceClient } from './conformance-service.js';
import type { ConformanceVariant } from './conformance-suite.js';

/** The variant whose channel runs on the `http2` engine. */
export const hvsockVariant = (http2: Http2Engine): ConformanceVariant => ({
  startServer: async (server) => {
    const target = `hvsock:loopback:${freshHvsockServicePort()}`;
    const listener = await listen(server, target);
    return { clientTarget: target, stop: () => listener.close(1000) };
  },
  makeClient: (target, options) => new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { grpc: options, http2 })) as never,
  // Windows sockets take the portable data path; serverSocket() still shows grpc-js the peer
  // (loopback: the VM id and the client's service id).
  expectedPeer: /^hvsock:(loopback|[0-9a-f-]{36}):[0-9a-f-]{36}$/,
});
