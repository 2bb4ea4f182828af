/**
 * Everything of @vmrpc/http over vsock loopback (CID 1) on a real kernel, in the VM harness:
 * HTTP/1.1, serve() admission and timeouts, undici, ws, HTTP/2 and Connect-RPC, with the
 * kernel-verified peer (vsock CID 1) checked in each.
 */
import { requireVsockTestGuest } from '../support/vsock-gate.js';
import { vsockCarrier } from './support/carriers.js';
import { connectSuite } from './suites/connect-suite.js';
import { http1Suite } from './suites/http1-suite.js';
import { http2Suite } from './suites/http2-suite.js';
import { serveSuite } from './suites/serve-suite.js';
import { undiciSuite } from './suites/undici-suite.js';
import { wsSuite } from './suites/ws-suite.js';

describe('@vmrpc/http over vsock loopback', function () {
  requireVsockTestGuest(this);
  http1Suite(vsockCarrier);
  serveSuite(vsockCarrier, 'vsock');
  undiciSuite(vsockCarrier);
  wsSuite(vsockCarrier, 'vsock');
  http2Suite(vsockCarrier, 'vsock');
  connectSuite(vsockCarrier, 'vsock:1:');
});
