/**
 * A short tour of @vmrpc/native: an echo server and a client on each data path, with the bytes
 * checked. It uses vsock loopback only when told to (VMRPC_EXAMPLE_TARGET=vsock:1:PORT inside a
 * VM of your own); by default a Unix socket, which runs through the same addon code.
 *
 *   pnpm example                                   # Unix socket
 *   VMRPC_EXAMPLE_TARGET=vsock:1:5000 pnpm example # vsock loopback, in a VM you own
 */
import { createHash, randomBytes } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect, createServer, formatTarget, nativeHandleAvailable, parseTarget, type DataPath } from '@vmrpc/native';

function digest(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex').slice(0, 16);
}

async function main(): Promise<void> {
  const target = process.env.VMRPC_EXAMPLE_TARGET ?? `unix:${path.join(os.tmpdir(), `vmrpc-example-${process.pid}.sock`)}`;
  const address = parseTarget(target);
  const listenTarget = address.family === 'vsock' ? formatTarget({ ...address, cid: 0xffffffff }) : target;

  const server = createServer((socket) => {
    console.log(`server: connection from ${socket.remoteAddress ?? '(unnamed peer)'} on the ${socket.dataPath} path`);
    socket.pipe(socket);
  });
  // A socket file left by a killed run is removed; a live server's file never is.
  await server.listen(listenTarget, { removeStaleSocket: true });
  console.log(`server: listening on ${listenTarget}`);
  console.log(`native-handle data path available in this Node: ${nativeHandleAvailable()}`);

  for (const dataPath of ['native-handle', 'portable'] satisfies DataPath[]) {
    const data = randomBytes(4 << 20);
    const started = process.hrtime.bigint();
    const socket = await connect(target, { dataPath, connectTimeout: 5000 });
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    const ended = new Promise<void>((resolve, reject) => {
      socket.once('end', resolve);
      socket.once('error', reject);
    });
    socket.end(data);
    await ended;
    const echoed = Buffer.concat(chunks);
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    const ok = echoed.equals(data);
    console.log(`client (${socket.dataPath}): sent 4 MiB, got ${echoed.length} bytes back, sha256 ${digest(echoed)} ${ok ? 'matches' : 'DIFFERS'} (${ms.toFixed(1)} ms)`);
    if (!ok) process.exitCode = 1;
  }

  try {
    await connect('vsock:not-a-cid:1');
  } catch (error) {
    console.log(`bad input is a clear error: ${(error as Error).message}`);
  }
  await new Promise<void>((resolve) => server.close(() => resolve()));
  console.log('server: closed');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
