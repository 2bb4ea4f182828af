import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { HarnessError, HarnessUnavailableError } from './errors.js';
import { findOnPath, runCommand, runCommandBinary, runCommandUnchecked } from './exec.js';
import { moduleDepends, normalizeModuleName, readModinfo } from './modinfo.js';
import { ensureAptUpdated, hasApt, isRoot } from './packages.js';
import { cacheDir } from './paths.js';
import { progress } from './progress.js';
import { ensureVmlinux } from './vmlinux.js';

/**
 * Module groups the guest /init loads. `base` is always loaded; the others only
 * when a run asks for them (see GuestRunOptions), because loading a vsock
 * transport changes what the guest reports as its own CID.
 */
export const MODULE_GROUPS = {
  // virtio-pci bus, the 9p shares and vsock with loopback (CID 1).
  base: ['virtio_pci', '9pnet_virtio', '9p', 'vsock', 'vsock_loopback'],
  // Guest side of a virtio-vsock device (the guest QEMU got -device vhost-vsock-pci).
  g2h: ['vmw_vsock_virtio_transport'],
  // Host side for nested guests: gives /dev/vhost-vsock.
  vhost: ['vhost_vsock'],
} as const;

export type ModuleGroup = keyof typeof MODULE_GROUPS;

export interface KernelModule {
  name: string;
  group: ModuleGroup;
  /** Absolute path of the uncompressed .ko in the cache. */
  file: string;
}

export interface Kernel {
  /** Debian package name, e.g. linux-image-6.1.0-56-amd64. */
  packageName: string;
  packageVersion: string;
  /** The bzImage as shipped. */
  vmlinuz: string;
  /** What QEMU boots: the extracted vmlinux (PVH, faster) or, failing that, the bzImage. */
  bootImage: string;
  /** In load order: every module comes after the modules it depends on. */
  modules: KernelModule[];
  /** Identifies this kernel + module set, for keying the initramfs cache. */
  key: string;
}

interface Manifest {
  packageName: string;
  packageVersion: string;
  groupsHash: string;
  modules: { name: string; group: ModuleGroup }[];
}

const METAPACKAGE = 'linux-image-amd64';
const DOWNLOAD_TIMEOUT_MS = 5 * 60_000;
const UNPACK_TIMEOUT_MS = 3 * 60_000;
const DECOMPRESS_TIMEOUT_MS = 60_000;

function groupsHash(): string {
  return createHash('sha256').update(JSON.stringify(MODULE_GROUPS)).digest('hex').slice(0, 12);
}

function pointerFile(): string {
  return join(cacheDir(), 'kernel.json');
}

function kernelDir(manifest: Pick<Manifest, 'packageName' | 'packageVersion' | 'groupsHash'>): string {
  return join(cacheDir(), `${manifest.packageName}_${manifest.packageVersion}_${manifest.groupsHash}`);
}

function fromManifest(manifest: Manifest): Kernel {
  const dir = kernelDir(manifest);
  return {
    packageName: manifest.packageName,
    packageVersion: manifest.packageVersion,
    vmlinuz: join(dir, 'vmlinuz'),
    bootImage: join(dir, 'vmlinuz'),
    modules: manifest.modules.map((m) => ({ ...m, file: join(dir, 'modules', `${m.name}.ko`) })),
    key: `${manifest.packageName}_${manifest.packageVersion}_${manifest.groupsHash}`,
  };
}

async function readCachedKernel(): Promise<Kernel | undefined> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await readFile(pointerFile(), 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
  if (manifest.groupsHash !== groupsHash()) return undefined;
  const kernel = fromManifest(manifest);
  if (!existsSync(kernel.vmlinuz) || kernel.modules.some((m) => !existsSync(m.file))) return undefined;
  return kernel;
}

/**
 * Debian's stock kernel and the modules the guest needs, downloaded with
 * `apt-get download` and unpacked with `dpkg -x` (nothing is installed).
 * Cached under the cache dir; delete kernel.json there to fetch a newer one.
 */
export async function ensureKernel(): Promise<Kernel> {
  const kernel = await ensureKernelPackage();
  const vmlinux = await ensureVmlinux(kernel.vmlinuz, join(dirname(kernel.vmlinuz), 'vmlinux'));
  return vmlinux === undefined ? kernel : { ...kernel, bootImage: vmlinux };
}

async function ensureKernelPackage(): Promise<Kernel> {
  const cached = await readCachedKernel();
  if (cached !== undefined) return cached;

  if (!hasApt() || findOnPath('dpkg-deb') === undefined) {
    throw new HarnessUnavailableError(`no cached guest kernel in ${cacheDir()} and apt-get/dpkg are not available to fetch ${METAPACKAGE}`);
  }
  await mkdir(cacheDir(), { recursive: true });
  const work = await mkdtemp(join(cacheDir(), 'tmp-kernel-'));
  try {
    return await fetchKernel(work);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

async function aptDownload(pkg: string, dir: string): Promise<string> {
  progress(`apt-get download ${pkg}`);
  const attempt = () =>
    runCommandUnchecked('apt-get', ['download', '-q', pkg], { cwd: dir, timeoutMs: DOWNLOAD_TIMEOUT_MS, stage: `apt-get download ${pkg}` });
  let result = await attempt();
  if (result.code !== 0) {
    // Typically "Unable to locate package" on a machine whose apt lists were never fetched.
    if (!isRoot()) {
      throw new HarnessUnavailableError(`apt-get download ${pkg} failed and only root can run apt-get update:\n${result.stderr.trim()}`);
    }
    await ensureAptUpdated();
    result = await attempt();
    if (result.code !== 0) throw new HarnessError(`apt-get download ${pkg} failed (exit ${result.code}):\n${result.stderr.trim()}`);
  }
  const debs = (await readdir(dir)).filter((name) => name.startsWith(`${pkg}_`) && name.endsWith('.deb'));
  if (debs.length !== 1) throw new HarnessError(`apt-get download ${pkg}: expected one .deb in ${dir}, found ${debs.length}`);
  return join(dir, debs[0]!);
}

async function debField(deb: string, field: string): Promise<string> {
  const { stdout } = await runCommand('dpkg-deb', ['-f', deb, field], { timeoutMs: 30_000, stage: `reading ${field} of ${deb}` });
  return stdout.trim();
}

async function fetchKernel(work: string): Promise<Kernel> {
  // The metapackage only names the current versioned image package.
  const meta = await aptDownload(METAPACKAGE, work);
  const depends = await debField(meta, 'Depends');
  const imageName = /\b(linux-image-[0-9][^\s,(|]*)/.exec(depends)?.[1];
  if (imageName === undefined) throw new HarnessError(`${METAPACKAGE} depends on "${depends}": no versioned linux-image package in it`);

  const deb = await aptDownload(imageName, work);
  const packageVersion = await debField(deb, 'Version');
  const unpacked = join(work, 'unpacked');
  progress(`unpacking ${imageName} ${packageVersion}`);
  await runCommand('dpkg', ['-x', deb, unpacked], { timeoutMs: UNPACK_TIMEOUT_MS, stage: `dpkg -x ${imageName}` });

  const release = imageName.slice('linux-image-'.length);
  const vmlinuz = join(unpacked, 'boot', `vmlinuz-${release}`);
  if (!existsSync(vmlinuz)) throw new HarnessError(`${imageName} has no boot/vmlinuz-${release}`);
  // Bookworm ships /lib/modules; merged-/usr releases ship /usr/lib/modules.
  const moduleRoot = [join(unpacked, 'lib', 'modules', release), join(unpacked, 'usr', 'lib', 'modules', release)].find((dir) =>
    existsSync(dir),
  );
  if (moduleRoot === undefined) throw new HarnessError(`${imageName} has no lib/modules/${release}`);

  const available = await indexModuleFiles(moduleRoot);
  const builtin = await readBuiltin(moduleRoot);
  const order = resolveLoadOrder(await readAllDepends(available, builtin), available, builtin);

  const manifest: Manifest = { packageName: imageName, packageVersion, groupsHash: groupsHash(), modules: order };
  const staging = join(work, 'result');
  await mkdir(join(staging, 'modules'), { recursive: true });
  await copyFile(vmlinuz, join(staging, 'vmlinuz'));
  for (const m of order) await copyUncompressed(available.get(m.name)!, join(staging, 'modules', `${m.name}.ko`));
  await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));

  const finalDir = kernelDir(manifest);
  await rm(finalDir, { recursive: true, force: true });
  await rename(staging, finalDir);
  // The pointer is written last so an interrupted fetch leaves no half-valid cache.
  const pointerTmp = `${pointerFile()}.${process.pid}.tmp`;
  await writeFile(pointerTmp, JSON.stringify(manifest, null, 2));
  await rename(pointerTmp, pointerFile());
  progress(`kernel ${imageName} ${packageVersion} cached with ${order.length} modules: ${order.map((m) => m.name).join(' ')}`);
  return fromManifest(manifest);
}

/** Module name -> file, for every .ko / .ko.xz / .ko.zst / .ko.gz under the module root. */
async function indexModuleFiles(moduleRoot: string): Promise<Map<string, string>> {
  const index = new Map<string, string>();
  const entries = await readdir(moduleRoot, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const match = /^(.+)\.ko(\.xz|\.zst|\.gz)?$/.exec(entry.name);
    if (match === null) continue;
    index.set(normalizeModuleName(match[1]!), join(entry.parentPath, entry.name));
  }
  return index;
}

/** Modules compiled into the kernel: they satisfy dependencies without a file. */
async function readBuiltin(moduleRoot: string): Promise<Set<string>> {
  const builtin = new Set<string>();
  try {
    const text = await readFile(join(moduleRoot, 'modules.builtin'), 'utf8');
    for (const line of text.split('\n')) {
      const match = /([^/]+)\.ko$/.exec(line.trim());
      if (match !== null) builtin.add(normalizeModuleName(match[1]!));
    }
  } catch {
    // Older packages may lack it; then every dependency must be a file.
  }
  return builtin;
}

/** Reads `depends=` of every module reachable from the wanted groups. */
async function readAllDepends(available: Map<string, string>, builtin: Set<string>): Promise<Map<string, string[]>> {
  const depends = new Map<string, string[]>();
  const pending: string[] = Object.values(MODULE_GROUPS).flat();
  while (pending.length > 0) {
    const name = pending.pop()!;
    if (depends.has(name) || builtin.has(name)) continue;
    const file = available.get(name);
    if (file === undefined) continue; // reported by resolveLoadOrder
    const deps = moduleDepends(readModinfo(await readModuleBytes(file), file));
    depends.set(name, deps);
    pending.push(...deps);
  }
  return depends;
}

/**
 * Topological order over all groups. A module belongs to the first group that
 * needs it, so loading groups in MODULE_GROUPS order (skipping disabled ones)
 * still loads every dependency first.
 */
function resolveLoadOrder(
  depends: Map<string, string[]>,
  available: Map<string, string>,
  builtin: Set<string>,
): { name: string; group: ModuleGroup }[] {
  const order: { name: string; group: ModuleGroup }[] = [];
  const placed = new Set<string>();
  const visiting = new Set<string>();
  const visit = (name: string, group: ModuleGroup, chain: string[]): void => {
    if (placed.has(name) || builtin.has(name)) return;
    if (!available.has(name)) {
      throw new HarnessError(`kernel module ${name} (needed by ${chain.join(' <- ') || 'the harness'}) is neither a file nor built in`);
    }
    if (visiting.has(name)) throw new HarnessError(`kernel module dependency cycle: ${[...chain, name].join(' -> ')}`);
    visiting.add(name);
    for (const dep of depends.get(name) ?? []) visit(dep, group, [name, ...chain]);
    visiting.delete(name);
    placed.add(name);
    order.push({ name, group });
  };
  for (const [group, roots] of Object.entries(MODULE_GROUPS) as [ModuleGroup, readonly string[]][]) {
    for (const root of roots) visit(root, group, []);
  }
  return order;
}

async function readModuleBytes(file: string): Promise<Buffer> {
  if (file.endsWith('.ko')) return readFile(file);
  // busybox insmod and our ELF reader both want plain ELF; decompress with whichever tool exists.
  const tools: [string, string[]][] = file.endsWith('.xz')
    ? [['xz', ['-dc', file]], ['busybox', ['xzcat', file]]]
    : file.endsWith('.zst')
      ? [['zstd', ['-dcq', file]]]
      : [['gzip', ['-dc', file]], ['busybox', ['zcat', file]]];
  for (const [tool, args] of tools) {
    if (findOnPath(tool) === undefined) continue;
    return runCommandBinary(tool, args, { timeoutMs: DECOMPRESS_TIMEOUT_MS, stage: `decompressing ${file}` });
  }
  throw new HarnessError(`cannot decompress ${file}: none of ${tools.map(([t]) => t).join(', ')} is installed`);
}

async function copyUncompressed(from: string, to: string): Promise<void> {
  if (from.endsWith('.ko')) await copyFile(from, to);
  else await writeFile(to, await readModuleBytes(from));
}
