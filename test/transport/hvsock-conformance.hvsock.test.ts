// The transport conformance suite over real Hyper-V sockets (hvsock loopback, Windows): a stock
// grpc-js server behind listen() and our channel, both on the overlapped data path.
import { requireHvsock } from '../support/hvsock-gate.js';
import { defineConformanceSuite } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';
import { hvsockVariant } from './hvsock-variant.js';

describe('transport conformance over Hyper-V sockets (hvsock loopback, Windows)', function () {
  requireHvsock(this);
  for (const http2 of HTTP2_ENGINES) describe(`@vmrpc/transport channel, ${http2} HTTP/2`, () => defineConformanceSuite(hvsockVariant(http2)));
});
