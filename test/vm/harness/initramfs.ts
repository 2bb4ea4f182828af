import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, realpath, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildCpio, type CpioEntry } from './cpio.js';
import { HarnessUnavailableError } from './errors.js';
import { findOnPath } from './exec.js';
import type { Kernel } from './kernel.js';
import { cacheDir, harnessSourceDir } from './paths.js';
import { progress } from './progress.js';

export interface Initramfs {
  file: string;
  key: string;
}

/**
 * The guest's initramfs: static busybox, the kernel modules, and /init from
 * guest-init.sh. Cached by a hash of all three, so editing the init script or
 * changing the kernel rebuilds it and nothing else does.
 */
export async function ensureInitramfs(kernel: Kernel): Promise<Initramfs> {
  const busyboxPath = findOnPath('busybox');
  if (busyboxPath === undefined) throw new HarnessUnavailableError('busybox is not installed (Debian package busybox-static)');
  const busybox = await readFile(await realpath(busyboxPath));
  const init = await readFile(join(harnessSourceDir(), 'guest-init.sh'));

  const key = createHash('sha256')
    .update(kernel.key)
    .update('\0')
    .update(init)
    .update('\0')
    .update(busybox)
    .digest('hex')
    .slice(0, 16);
  const file = join(cacheDir(), `initramfs-${key}.cpio`);
  if (existsSync(file)) return { file, key };

  progress(`building initramfs ${key}`);
  const entries: CpioEntry[] = [
    { kind: 'dir', path: 'bin' },
    { kind: 'dir', path: 'dev' },
    // The kernel opens /dev/console for init's stdio before init can mount devtmpfs.
    { kind: 'chardev', path: 'dev/console', major: 5, minor: 1 },
    { kind: 'chardev', path: 'dev/null', major: 1, minor: 3, mode: 0o666 },
    { kind: 'dir', path: 'proc' },
    { kind: 'dir', path: 'sys' },
    { kind: 'dir', path: 'results' },
    { kind: 'dir', path: 'newroot' },
    { kind: 'dir', path: 'modules' },
    { kind: 'file', path: 'bin/busybox', data: busybox, mode: 0o755 },
    { kind: 'symlink', path: 'bin/sh', target: 'busybox' },
    { kind: 'file', path: 'init', data: init, mode: 0o755 },
  ];
  for (const module of kernel.modules) {
    entries.push({ kind: 'file', path: `modules/${module.name}.ko`, data: await readFile(module.file) });
  }
  const order = kernel.modules.map((m) => `${m.group} ${m.name}\n`).join('');
  entries.push({ kind: 'file', path: 'modules/order', data: Buffer.from(order, 'utf8') });

  await mkdir(cacheDir(), { recursive: true });
  // Old images are useless once any input changed; drop them so the cache does not grow.
  for (const name of await readdir(cacheDir())) {
    if (/^initramfs-[0-9a-f]+\.cpio$/.test(name)) await rm(join(cacheDir(), name), { force: true });
  }
  const tmp = `${file}.${process.pid}.tmp`;
  // Uncompressed: a gzip'd image would make the emulated CPU spend time inflating it.
  await writeFile(tmp, buildCpio(entries));
  await rename(tmp, file);
  return { file, key };
}
