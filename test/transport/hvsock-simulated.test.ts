// The transport conformance suite over Hyper-V sockets of the simulated Windows addon: grpc-js
// on the overlapped Duplex (Windows' only data path), on any OS.
import { expectSimulationIdle, useSimulatedHvsock } from '../support/simulated-hvsock.js';
import { defineConformanceSuite } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';
import { hvsockVariant } from './hvsock-variant.js';

describe('transport conformance over simulated Hyper-V sockets', function () {
  const addon = useSimulatedHvsock(this);

  for (const http2 of HTTP2_ENGINES) {
    describe(`@vmrpc/transport channel, ${http2} HTTP/2`, () => {
      defineConformanceSuite(hvsockVariant(http2));
      after(() => expectSimulationIdle(addon()));
    });
  }
});
