// The fault suites on the host: over Unix sockets and both directions of hybrid vsock.
import { HOST_CARRIERS } from './support/carriers.js';
import { integritySuite } from './integrity-suite.js';
import { killSuite } from './kill-suite.js';
import { loadSuite } from './load-suite.js';
import { fuzzSuite } from './fuzz-suite.js';
import { socketPath } from '../support/checks.js';

for (const kind of HOST_CARRIERS) {
  loadSuite(kind, { bigStream: kind !== 'hybrid-dial' });
  integritySuite(kind);
  killSuite(kind);
}

fuzzSuite(['unix', 'hybrid-listen'], {
  agentTarget: (name) => {
    const path = socketPath(name);
    return { listen: `unix:${path}`, dial: `unix:${path}` };
  },
  hybridDialer: true,
});
