// The gateway suite over vsock loopback, inside the VM harness only (`pnpm test:vm -- --grep
// gateway`): agents register over vsock, callers reach the admin gateway listener over vsock, and
// the gateway forwards over the agent's vsock call links.
import { freshVsockPort, requireVsockTestGuest } from '../../support/vsock-gate.js';
import { gatewaySuite } from './gateway-suite.js';

describe('gateway over vsock: (loopback)', function () {
  requireVsockTestGuest(this);
  gatewaySuite('vsock:', () => {
    const agentsPort = freshVsockPort();
    const adminPort = freshVsockPort();
    return { agentsListen: `vsock:any:${agentsPort}`, agentsConnect: `vsock:1:${agentsPort}`, admin: `vsock:1:${adminPort}`, adminListen: `vsock:any:${adminPort}` };
    // Under TCG a pause of a few hundred ms is ordinary: heartbeats that tolerate it.
  }, { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 3000 });
});
