/**
 * Mocha root hook: touches the lazily created process resources (the addon, crypto, libuv's
 * thread pool) before any test counts descriptors, so leak checks count only what tests open.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';

export const mochaHooks = {
  async beforeAll(): Promise<void> {
    randomBytes(1 << 20);
    await new Promise<void>((resolve, reject) => randomBytes(16, (error) => (error ? reject(error) : resolve())));
    await fs.stat('/');
    try {
      const native = await import('@vmrpc/native');
      native.nativeHandleAvailable();
      const binding = await import('@vmrpc/native/internal/binding');
      binding.nativeBinding();
    } catch {
      // Suites report a missing addon themselves.
    }
  },
};
