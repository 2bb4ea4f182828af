// The conformance suite over real vsock loopback (VM harness): our channel, and a stock
// grpc-js server accepting through listen(); call.getPeer() must be the kernel-reported peer.
import * as grpc from '@grpc/grpc-js';
import { clientOptions, listen } from '@vmrpc/transport';
import { freshVsockPort, requireVsockTestGuest } from '../support/vsock-gate.js';
import { ConformanceClient } from './conformance-service.js';
import { HTTP2_ENGINES } from './engines.js';
import { defineConformanceSuite } from './conformance-suite.js';

describe('transport conformance over vsock loopback', function () {
  requireVsockTestGuest(this);

  for (const http2 of HTTP2_ENGINES) for (const dataPath of ['native-handle', 'portable'] as const) {
    describe(`@vmrpc/transport channel (${http2} HTTP/2, client on the ${dataPath} path)`, () =>
      defineConformanceSuite({
        startServer: async (server) => {
          const port = freshVsockPort();
          // Servers use the native-handle path: with a portable socket, Node's HTTP/2 wraps the
          // Duplex and grpc-js reports the peer as 'unknown' (docs/transport.md).
          const listener = await listen(server, `vsock:any:${port}`);
          return { clientTarget: `vsock:1:${port}`, stop: () => listener.close(1000) };
        },
        makeClient: (target, options) =>
          new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { grpc: options, connect: { dataPath }, http2 })) as never,
        // The kernel-verified peer: CID 1 (loopback) and the client's port.
        expectedPeer: /^vsock:1:\d+$/,
      }),
    );
  }
});
