// The typed client and server over vsock, inside the VM harness only (`pnpm test:vm`): the same
// suite as over unix:, with only the target changed.
import { freshVsockPort, requireVsockTestGuest } from '../support/vsock-gate.js';
import { rpcSuite } from './rpc-suite.js';

describe('rpc over vsock: (loopback)', function () {
  requireVsockTestGuest(this);
  rpcSuite(() => {
    const port = freshVsockPort();
    return { listen: `vsock:any:${port}`, connect: `vsock:1:${port}`, peer: /^vsock:/ };
  });
});
