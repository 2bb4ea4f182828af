import { existsSync } from 'node:fs';
import type { Accel } from './accel.js';

export interface VirtfsShare {
  tag: string;
  path: string;
  readonly: boolean;
}

export interface QemuConfig {
  accel: Accel;
  /** A bzImage, or an uncompressed vmlinux that QEMU boots through its PVH entry. */
  kernelImage: string;
  initramfs: string;
  memoryMiB: number;
  cpus: number;
  /** Appended to the kernel command line. */
  kernelArgs: string[];
  shares: VirtfsShare[];
  /** Adds a virtio-vsock device backed by this machine's /dev/vhost-vsock. */
  vsockGuestCid?: number;
  /** Stream kernel messages instead of booting quietly. */
  verbose: boolean;
}

export const QEMU_BINARY = 'qemu-system-x86_64';

/** A minimal firmware that jumps straight to -kernel; a little faster than SeaBIOS under TCG. */
const QBOOT = '/usr/share/qemu/qboot.rom';

/** QEMU's option parser splits on ',' and takes ',,' as a literal comma. */
function optionValue(value: string): string {
  return value.replace(/,/g, ',,');
}

export function qemuArgs(config: QemuConfig): string[] {
  const kernelArgs = [
    'console=ttyS0',
    // With -no-reboot a panic ends QEMU at once instead of hanging until the timeout.
    'panic=-1',
    'rdinit=/init',
    // Fewer probes and no speculative-execution mitigations: both cost seconds under TCG.
    'i8042.noaux',
    'i8042.nokbd',
    'i8042.nopnp',
    'mitigations=off',
    'tsc=reliable',
    ...(config.verbose ? ['loglevel=7'] : ['quiet', 'loglevel=3']),
    ...config.kernelArgs,
  ];
  const args = [
    '-machine',
    'pc',
    // QEMU 7.2 reserves 1 GiB of translation cache by default; a nested guest does not have that to spare.
    '-accel',
    config.accel === 'kvm' ? 'kvm' : 'tcg,tb-size=256',
    '-cpu',
    config.accel === 'kvm' ? 'host' : 'max',
    '-smp',
    String(config.cpus),
    '-m',
    String(config.memoryMiB),
    // No default NIC, VGA, floppy or monitor: the guest has no network at all.
    '-nodefaults',
    '-no-user-config',
    '-display',
    'none',
    '-no-reboot',
    ...(existsSync(QBOOT) ? ['-bios', QBOOT] : []),
    '-serial',
    'stdio',
    '-kernel',
    config.kernelImage,
    '-initrd',
    config.initramfs,
    '-append',
    kernelArgs.join(' '),
  ];
  for (const share of config.shares) {
    const options = [
      'local',
      `path=${optionValue(share.path)}`,
      `mount_tag=${share.tag}`,
      'security_model=none',
      // The host root spans several filesystems; remap keeps inode numbers unique across them.
      'multidevs=remap',
    ];
    if (share.readonly) options.push('readonly=on');
    args.push('-virtfs', options.join(','));
  }
  if (config.vsockGuestCid !== undefined) {
    args.push('-device', `vhost-vsock-pci,guest-cid=${config.vsockGuestCid}`);
  }
  return args;
}
