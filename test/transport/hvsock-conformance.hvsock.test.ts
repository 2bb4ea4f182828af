// The transport conformance suite over real Hyper-V sockets (hvsock loopback, Windows): a stock
// grpc-js server behind listen() and our channel, both on the overlapped data path.
import { requireHvsock } from '../support/hvsock-gate.js';
import { defineConformanceSuite } from './conformance-suite.js';
import { hvsockVariant } from './hvsock-variant.js';

describe('transport conformance over Hyper-V sockets (hvsock loopback, Windows)', function () {
  requireHvsock(this);
  describe('@vmrpc/transport channel', () => defineConformanceSuite(hvsockVariant));
});
