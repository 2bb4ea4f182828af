/** serve() on the host over Unix sockets (unnamed peers: peerOf() is undefined there). */
import { unixCarrier } from './support/carriers.js';
import { serveSuite } from './suites/serve-suite.js';

serveSuite(unixCarrier, undefined);
