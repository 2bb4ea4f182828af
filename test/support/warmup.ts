/**
 * Mocha root hook: touches the lazily created process resources (the addon, crypto, libuv's
 * thread pool) before any test counts descriptors, so leak checks count only what tests open.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    randomBytes(1 << 20);
    await new Promise<void>((resolve, reject) => randomBytes(16, (error) => (error ? reject(error) : resolve())));
    await fs.stat('/');
    // On Windows a path server would be a named pipe, which no suite there uses.
    if (process.platform !== 'win32') await warmUpUnixSocket();
    try {
      const native = await import('@vmrpc/native');
      native.nativeHandleAvailable();
      const binding = await import('@vmrpc/native/testing');
      binding.nativeBinding();
    } catch {
      // Suites report a missing addon themselves.
    }
  },
};

/** A Unix server, a client and an async unlink: the operations the first tests use. */
async function warmUpUnixSocket(): Promise<void> {
  const socketFile = path.join(os.tmpdir(), `vmrpc-warmup-${process.pid}.sock`);
  const server = net.createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(socketFile, resolve));
  await new Promise<void>((resolve) => net.connect(socketFile).on('close', () => resolve()).resume());
  await new Promise<void>((resolve) => server.close(() => resolve()));
  await fs.rm(socketFile, { force: true });
}
