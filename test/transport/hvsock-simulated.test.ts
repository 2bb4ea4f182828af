// The transport conformance suite over Hyper-V sockets of the simulated Windows addon: grpc-js
// on the overlapped Duplex (Windows' only data path), on any OS.
import { expectSimulationIdle, useSimulatedHvsock } from '../support/simulated-hvsock.js';
import { defineConformanceSuite } from './conformance-suite.js';
import { hvsockVariant } from './hvsock-variant.js';

describe('transport conformance over simulated Hyper-V sockets', function () {
  const addon = useSimulatedHvsock(this);

  describe('@vmrpc/transport channel', () => {
    defineConformanceSuite(hvsockVariant);
    after(() => expectSimulationIdle(addon()));
  });
});
