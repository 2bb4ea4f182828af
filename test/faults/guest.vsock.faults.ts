// The fault suites over vsock loopback, inside the VM harness guest (`pnpm test:faults` runs
// them there with test/vm/mocharc.faults-guest.json); skipped anywhere else.
import { freshVsockPort, requireVsockTestGuest } from '../support/vsock-gate.js';
import { agentSuite } from './agent-suite.js';
import { fuzzSuite } from './fuzz-suite.js';
import { integritySuite } from './integrity-suite.js';
import { killSuite } from './kill-suite.js';
import { loadSuite } from './load-suite.js';
import { stormSuite } from './storm-suite.js';

function vsockTarget(): { listen: string; dial: string } {
  const port = freshVsockPort();
  return { listen: `vsock:any:${port}`, dial: `vsock:1:${port}` };
}

describe('faults over vsock', function () {
  requireVsockTestGuest(this);
  loadSuite('vsock', { bigStream: true });
  integritySuite('vsock');
  killSuite('vsock');
  stormSuite('vsock');
  agentSuite('vsock', vsockTarget);
  fuzzSuite(['vsock'], { agentTarget: vsockTarget, hybridDialer: false });
});
