/**
 * A benchmark server in its own process: `node bench-server.js <target> [stock]`.
 * `stock` binds with grpc-js's own bindAsync (the baseline); otherwise @vmrpc/transport's listen().
 * Prints "ready" once serving; exits when stdin closes.
 */
import * as grpc from '@grpc/grpc-js';
import { listen } from '@vmrpc/transport';
import { benchServer } from './bench-service.js';

const [target, mode] = process.argv.slice(2);
if (target === undefined) throw new Error('usage: bench-server.js <target> [stock]');
const server = benchServer();
if (mode === 'stock') {
  await new Promise<void>((resolve, reject) => server.bindAsync(target, grpc.ServerCredentials.createInsecure(), (error) => (error ? reject(error) : resolve())));
} else {
  await listen(server, target);
}
process.stdout.write('ready\n');
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
