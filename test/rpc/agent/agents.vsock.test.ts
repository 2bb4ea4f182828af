// Guest agents and their host over vsock loopback, inside the VM harness only (`pnpm test:vm`):
// the same suite as over unix: and hybrid vsock. Loopback peers are all CID 1, so the "other
// peer" of the identity tests is a Unix listener of the same host.
import { socketPath } from '../../support/checks.js';
import { freshVsockPort, requireVsockTestGuest } from '../../support/vsock-gate.js';
import { agentSuite } from './agent-suite.js';

describe('agents over vsock: (loopback)', function () {
  requireVsockTestGuest(this);
  this.timeout(20_000);
  agentSuite(() => {
    const hostPort = freshVsockPort();
    const agentPort = freshVsockPort();
    const other = socketPath('agent-other');
    return {
      hostListen: `vsock:any:${hostPort}`,
      agentConnect: `vsock:1:${hostPort}`,
      otherListen: `unix:${other}`,
      otherConnect: `unix:${other}`,
      agentListen: `vsock:any:${agentPort}`,
      hostDial: `vsock:1:${agentPort}`,
      identity: 'vsock:1',
    };
    // Under TCG a pause of a few hundred ms is ordinary: heartbeats that tolerate it.
  }, { heartbeatIntervalMs: 500, heartbeatTimeoutMs: 3000 });
});
