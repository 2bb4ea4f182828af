// The conformance suite over Unix sockets: the stock grpc-js client (the reference) and our
// channel, both against a stock grpc-js server accepting through @vmrpc/transport's listen().
import * as grpc from '@grpc/grpc-js';
import { clientOptions, listen } from '@vmrpc/transport';
import { socketPath } from '../support/checks.js';
import { ConformanceClient } from './conformance-service.js';
import { HTTP2_ENGINES } from './engines.js';
import { defineConformanceSuite, type ConformanceVariant, type RunningServer } from './conformance-suite.js';

async function serveOnUnix(server: grpc.Server): Promise<RunningServer> {
  const target = `unix:${socketPath('grpc')}`;
  const listener = await listen(server, target);
  return { clientTarget: target, stop: () => listener.close(1000) };
}

const variants: Record<string, ConformanceVariant> = {
  'stock grpc-js client (reference)': {
    startServer: serveOnUnix,
    makeClient: (target, options) => new ConformanceClient(target, grpc.credentials.createInsecure(), options) as never,
    expectedPeer: /^unix:/,
  },
  ...Object.fromEntries(
    HTTP2_ENGINES.map((http2): [string, ConformanceVariant] => [
      `@vmrpc/transport channel, ${http2} HTTP/2`,
      {
        startServer: serveOnUnix,
        makeClient: (target, options) => new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { grpc: options, http2 })) as never,
        expectedPeer: /^unix:/,
      },
    ]),
  ),
};

describe('transport conformance over Unix sockets', () => {
  for (const [name, variant] of Object.entries(variants)) {
    describe(name, () => defineConformanceSuite(variant));
  }
});
