/**
 * A fault-service gRPC server in a process of its own: `node server-peer.js <endpoint JSON>`.
 * Prints `ready` once it serves, then stays until killed.
 */
import { rmSync } from 'node:fs';
import { serveGrpc, type Endpoint } from '../support/carriers.js';
import { faultServer, newServiceLog } from '../support/fault-service.js';

const at = JSON.parse(process.argv[2] ?? '{}') as Endpoint;
// A crashed predecessor leaves its socket file behind (as node:net, listening on it fails with EADDRINUSE).
if (at.kind === 'unix') rmSync(at.path, { force: true });
if (at.kind === 'hybrid-listen') rmSync(`${at.path}_${at.port}`, { force: true });
const server = faultServer(newServiceLog());
await serveGrpc(at, server.grpcServer, { maxConnectionsPerPeer: 1000 });
process.stdout.write('ready\n');
