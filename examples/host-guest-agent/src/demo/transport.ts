/**
 * Which transport the local demo uses, and why. vsock only where it cannot leave the machine:
 * loopback (CID 1), when the kernel has the vsock_loopback transport; that is read from sysfs
 * and modules.builtin, so deciding sends nothing. Otherwise a Unix socket, which runs through
 * the same addon code as vsock.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { release, tmpdir } from 'node:os';
import { join } from 'node:path';

/** What the demo asks for with --transport. */
export type TransportRequest = 'auto' | 'unix' | 'vsock-loopback';

/** The chosen transport: where the host listens, where the agent connects, and why this one. */
export interface DemoTransport {
  readonly name: string;
  readonly listen: string;
  readonly connect: string;
  readonly why: string;
  /** Removes what the transport left behind (the Unix socket's directory). */
  cleanup(): void;
}

/** Where the kernel says vsock_loopback is, or undefined when it has none. */
export function vsockLoopbackEvidence(): string | undefined {
  if (existsSync('/sys/module/vsock_loopback')) return '/sys/module/vsock_loopback exists';
  const builtin = `/lib/modules/${release()}/modules.builtin`;
  try {
    if (/\/vsock_loopback\.ko$/m.test(readFileSync(builtin, 'utf8'))) return `${builtin} lists vsock_loopback`;
  } catch {
    // No such file: not built in either.
  }
  return undefined;
}

function insideProjectVm(): boolean {
  try {
    return readFileSync('/proc/cmdline', 'utf8').split(/\s+/).includes('vmrpc.harness=1');
  } catch {
    return false;
  }
}

/** Picks the transport for `request`; throws a one-line error when vsock loopback is asked for but missing. */
export function chooseTransport(request: TransportRequest, port: number): DemoTransport {
  const loopback = vsockLoopbackEvidence();
  if (request === 'vsock-loopback' || (request === 'auto' && loopback !== undefined)) {
    if (loopback === undefined) throw new Error('--transport vsock-loopback: this kernel has no vsock_loopback (modprobe vsock_loopback, in a VM of your own)');
    const where = insideProjectVm() ? ' inside the project\'s microVM' : '';
    const how = request === 'auto' ? 'the kernel has vsock loopback' : 'asked for with --transport vsock-loopback, and the kernel has it';
    const target = `vsock:local:${port}`;
    return { name: `vsock loopback${where}`, listen: target, connect: target, why: `${how} (${loopback}): CID 1 never leaves this machine`, cleanup: () => undefined };
  }
  const dir = mkdtempSync(join(tmpdir(), 'vmrpc-demo-'));
  const target = `unix:${join(dir, 'agents.sock')}`;
  const why =
    request === 'unix'
      ? 'asked for with --transport unix'
      : 'this kernel has no vsock_loopback (no /sys/module/vsock_loopback), and vsock to any other CID may reach a hypervisor that is not ours; ' +
        'a Unix socket runs through the same addon code (`pnpm demo --vm` shows vsock in a VM)';
  return { name: 'Unix socket', listen: target, connect: target, why, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
