import { createRequire } from 'node:module';
import { join } from 'node:path';
import type * as NativeModule from '../../../packages/native/dist/index.js';
import { insideHarnessGuest } from '../harness/guest-env.js';
import { repoRoot } from '../harness/paths.js';

export type Native = typeof NativeModule;
export type VmSocket = NativeModule.VmSocket;

/**
 * @vmrpc/native by path: the test package does not depend on it, and a
 * relative specifier would resolve differently from test/vm/nested (types)
 * and test/.build/vm/nested (runtime). It is CommonJS, hence require.
 */
export function loadNative(): Native {
  const require = createRequire(import.meta.url);
  return require(join(repoRoot(), 'packages', 'native', 'dist', 'index.js')) as Native;
}

/**
 * The nested exchange opens real vsock sockets; on the real host those lead
 * to a hypervisor that is not ours. Refuse anywhere but a harness guest.
 */
export function assertInsideHarnessGuest(script: string): void {
  if (process.env.VMRPC_HARNESS_GUEST !== '1' || !insideHarnessGuest()) {
    process.stderr.write(`${script}: refusing to run outside a harness guest (use pnpm test:vm:nested)\n`);
    process.exit(2);
  }
}
