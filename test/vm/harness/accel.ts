import { closeSync, constants, existsSync, openSync } from 'node:fs';
import { HarnessError } from './errors.js';
import type { Initramfs } from './initramfs.js';
import type { Kernel } from './kernel.js';
import { progress } from './progress.js';
import { qemuArgs } from './qemu.js';
import { startQemu } from './qemu-process.js';

export type Accel = 'kvm' | 'tcg';

export interface AccelChoice {
  accel: Accel;
  reason: string;
}

const PROBE_TIMEOUT_MS = 20_000;
let chosen: Promise<AccelChoice> | undefined;

/**
 * KVM when it really works, else TCG. VMRPC_VM_ACCEL=kvm|tcg overrides.
 * /dev/kvm existing proves little: on PVM hosts (kvm_pvm) it opens fine but
 * QEMU aborts with "failed to set MSR 0x10a" or hangs, so after the static
 * checks pass a short boot must reach /init before KVM is trusted.
 */
export function chooseAccel(kernel: Kernel, initramfs: Initramfs): Promise<AccelChoice> {
  chosen ??= decide(kernel, initramfs);
  return chosen;
}

async function decide(kernel: Kernel, initramfs: Initramfs): Promise<AccelChoice> {
  const override = process.env.VMRPC_VM_ACCEL;
  if (override !== undefined && override !== '') {
    if (override !== 'kvm' && override !== 'tcg') throw new HarnessError(`VMRPC_VM_ACCEL must be kvm or tcg, not "${override}"`);
    return { accel: override, reason: 'VMRPC_VM_ACCEL' };
  }
  const staticReason = kvmStaticVeto();
  if (staticReason !== undefined) return { accel: 'tcg', reason: staticReason };
  const probe = await probeKvmBoot(kernel, initramfs);
  return probe === undefined ? { accel: 'kvm', reason: 'KVM probe boot reached /init' } : { accel: 'tcg', reason: probe };
}

/** Why KVM cannot work here, or undefined when it might. */
function kvmStaticVeto(): string | undefined {
  if (!existsSync('/dev/kvm')) return 'no /dev/kvm';
  if (existsSync('/sys/module/kvm_pvm')) return 'kvm is the PVM module (kvm_pvm), which cannot run these guests';
  if (!existsSync('/sys/module/kvm_intel') && !existsSync('/sys/module/kvm_amd')) return 'neither kvm_intel nor kvm_amd is loaded';
  try {
    closeSync(openSync('/dev/kvm', constants.O_RDWR));
  } catch (error) {
    return `cannot open /dev/kvm: ${(error as Error).message}`;
  }
  return undefined;
}

/** Boots the real kernel with KVM until /init prints its marker; returns a reason when it fails. */
async function probeKvmBoot(kernel: Kernel, initramfs: Initramfs): Promise<string | undefined> {
  progress('probing KVM with a short boot');
  const lines: string[] = [];
  let reached = false;
  const qemu = startQemu(
    qemuArgs({
      accel: 'kvm',
      kernelImage: kernel.bootImage,
      initramfs: initramfs.file,
      memoryMiB: 256,
      cpus: 1,
      kernelArgs: [],
      shares: [],
      verbose: false,
    }),
    (line) => {
      lines.push(line);
      if (line.includes('@@vmrpc init@@')) {
        reached = true;
        qemu.kill();
      }
    },
  );
  const timer = setTimeout(() => qemu.kill(), PROBE_TIMEOUT_MS);
  try {
    await qemu.exited;
  } catch (error) {
    return `KVM probe failed: ${(error as Error).message}`;
  } finally {
    clearTimeout(timer);
  }
  if (reached) return undefined;
  return `KVM probe boot did not reach /init within ${PROBE_TIMEOUT_MS / 1000} s (${lines.slice(-3).join(' | ') || 'no console output'})`;
}
