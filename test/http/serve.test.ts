/** serve() on the host over Unix sockets (unnamed peers: peerOf() is undefined there). */
import { unixCarrier } from './support/carriers.js';
import { serveSuite } from './suites/serve-suite.js';

// Unix clients are unnamed: the peer is their credentials ({ family: 'unix', path: '', pid, uid, gid }).
serveSuite(unixCarrier, 'unix');
