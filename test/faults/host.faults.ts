// The fault suites on the host: over Unix sockets and both directions of hybrid vsock.
import { HOST_CARRIERS } from './support/carriers.js';
import { loadSuite } from './load-suite.js';

for (const kind of HOST_CARRIERS) {
  loadSuite(kind, { bigStream: kind !== 'hybrid-dial' });
}
