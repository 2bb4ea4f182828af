// The typed client's whole suite (rpc-suite.ts: every shape, errors, metadata, deadlines,
// cancellation) against the engine server, served as GuestAgent serves its call links.
import { socketPath } from '../../support/checks.js';
import { rpcSuite } from '../rpc-suite.js';
import { engineFixture } from './engine-fixture.js';

describe('rpc server on the HTTP/2 engine: the typed client suite', function () {
  rpcSuite(
    () => {
      const target = `unix:${socketPath('engine-rpc')}`;
      return { listen: target, connect: target, peer: /^unix:/ };
    },
    async (log, listen) => {
      const fixture = await engineFixture({ log, path: listen.slice('unix:'.length) });
      if (fixture.links.grpcFallback !== undefined) throw new Error(`expected the engine, got grpc-js: ${fixture.links.grpcFallback}`);
      return { close: () => fixture.close() };
    },
  );
});
