import { existsSync } from 'node:fs';
import { HarnessUnavailableError } from './errors.js';
import { findOnPath, runCommand } from './exec.js';
import { progress } from './progress.js';

/** A Debian package and the executable that proves it is installed. */
export interface AptRequirement {
  pkg: string;
  binary: string;
}

/** What every guest run needs on the machine that starts QEMU. */
export const HOST_REQUIREMENTS: readonly AptRequirement[] = [
  { pkg: 'qemu-system-x86', binary: 'qemu-system-x86_64' },
  // The initramfs is built around the static busybox: it must run with no libc in the guest.
  { pkg: 'busybox-static', binary: 'busybox' },
  // Not used by the harness itself, but vsock smoke tests in the guest rely on it.
  { pkg: 'socat', binary: 'socat' },
];

const APT_UPDATE_TIMEOUT_MS = 5 * 60_000;
const APT_INSTALL_TIMEOUT_MS = 10 * 60_000;

let aptUpdated: Promise<void> | undefined;

export function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

export function hasApt(): boolean {
  return findOnPath('apt-get') !== undefined && existsSync('/var/lib/dpkg/status');
}

function aptEnv(): NodeJS.ProcessEnv {
  return { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
}

/** `apt-get update`, at most once per process. */
export function ensureAptUpdated(): Promise<void> {
  if (aptUpdated === undefined) {
    aptUpdated = (async () => {
      progress('apt-get update');
      await runCommand('apt-get', ['update', '-q'], {
        timeoutMs: APT_UPDATE_TIMEOUT_MS,
        env: aptEnv(),
        stage: 'apt-get update',
      });
    })();
    // A failed update may be retried by a later call.
    aptUpdated.catch(() => {
      aptUpdated = undefined;
    });
  }
  return aptUpdated;
}

/**
 * Installs the packages whose binary is missing. Throws HarnessUnavailableError
 * when something is missing and this process cannot install (not root, no apt).
 */
export async function ensureAptPackages(requirements: readonly AptRequirement[]): Promise<void> {
  const missing = requirements.filter((req) => findOnPath(req.binary) === undefined);
  if (missing.length === 0) return;
  const names = missing.map((req) => req.pkg);
  if (!hasApt()) {
    throw new HarnessUnavailableError(`missing ${names.join(', ')} and apt-get is not available to install them`);
  }
  if (!isRoot()) {
    throw new HarnessUnavailableError(
      `missing ${names.join(', ')}; install them as root: apt-get update && apt-get install -y ${names.join(' ')}`,
    );
  }
  await ensureAptUpdated();
  progress(`apt-get install ${names.join(' ')}`);
  await runCommand('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...names], {
    timeoutMs: APT_INSTALL_TIMEOUT_MS,
    env: aptEnv(),
    stage: `apt-get install ${names.join(' ')}`,
  });
  const stillMissing = missing.filter((req) => findOnPath(req.binary) === undefined);
  if (stillMissing.length > 0) {
    throw new HarnessUnavailableError(
      `apt-get installed ${names.join(', ')} but ${stillMissing.map((req) => req.binary).join(', ')} is still not on PATH`,
    );
  }
}
