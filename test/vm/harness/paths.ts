import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * The checkout root: the nearest ancestor holding pnpm-workspace.yaml. Found
 * by walking up because this file runs from test/.build/vm/harness, not from
 * its source directory.
 */
export function repoRoot(): string {
  if (cachedRoot !== undefined) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) {
      cachedRoot = dir;
      return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('vm harness: cannot find the checkout root (no pnpm-workspace.yaml above this file)');
    dir = parent;
  }
}

/** Where kernels and initramfs images are kept between runs (VMRPC_VM_CACHE overrides). */
export function cacheDir(): string {
  const override = process.env.VMRPC_VM_CACHE;
  if (override !== undefined && override !== '') return resolve(override);
  return join(repoRoot(), 'test', 'vm', '.cache');
}

/** Sources that are not compiled (the guest /init script) live beside the .ts files. */
export function harnessSourceDir(): string {
  return join(repoRoot(), 'test', 'vm', 'harness');
}
