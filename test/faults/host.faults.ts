// The fault suites on the host: over Unix sockets and both directions of hybrid vsock.
import { socketPath } from '../support/checks.js';
import { agentSuite } from './agent-suite.js';
import { fuzzSuite } from './fuzz-suite.js';
import { integritySuite } from './integrity-suite.js';
import { killSuite } from './kill-suite.js';
import { loadSuite } from './load-suite.js';
import { stormSuite } from './storm-suite.js';
import { HOST_CARRIERS } from './support/carriers.js';

function unixTarget(name: string): { listen: string; dial: string } {
  const path = socketPath(name);
  return { listen: `unix:${path}`, dial: `unix:${path}` };
}

for (const kind of HOST_CARRIERS) {
  loadSuite(kind, { bigStream: kind !== 'hybrid-dial' });
  integritySuite(kind);
  killSuite(kind);
  stormSuite(kind);
}
agentSuite('unix', unixTarget);
fuzzSuite(['unix', 'hybrid-listen'], { agentTarget: unixTarget, hybridDialer: true });
