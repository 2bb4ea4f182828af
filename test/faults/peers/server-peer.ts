/**
 * A fault-service gRPC server in a process of its own: `node server-peer.js <endpoint JSON>`.
 * Prints `ready` once it serves, then stays until killed.
 */
import { serveGrpc, type Endpoint } from '../support/carriers.js';
import { faultServer, newServiceLog } from '../support/fault-service.js';

const at = JSON.parse(process.argv[2] ?? '{}') as Endpoint;
const server = faultServer(newServiceLog());
await serveGrpc(at, server.grpcServer, { maxConnectionsPerPeer: 1000 });
process.stdout.write('ready\n');
