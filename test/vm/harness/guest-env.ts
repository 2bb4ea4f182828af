import { existsSync, readFileSync } from 'node:fs';

/**
 * True inside a guest booted by this harness. Read from the running kernel's
 * command line (which the guest cannot inherit from or leak to the host),
 * not from an environment variable that could be set anywhere.
 */
export function insideHarnessGuest(): boolean {
  try {
    return readFileSync('/proc/cmdline', 'utf8').split(/\s+/).includes('vmrpc.harness=1');
  } catch {
    return false;
  }
}

/** Guest-side vsock transports: loaded, they connect this machine to a hypervisor above it. */
const GUEST_TRANSPORTS = ['vmw_vsock_virtio_transport', 'vmw_vsock_vmci_transport', 'hv_sock'];

/**
 * Why this machine may not give a nested guest a vhost-vsock device, or
 * undefined when it may. Harness guests qualify. The machine itself qualifies
 * only when asked (`fromThisMachine`: pnpm demo --vm on a KVM host) and it has
 * no guest-side vsock transport, so its vsock reaches only its own guests;
 * otherwise it may lead to a hypervisor that is not ours.
 */
export function vhostVsockVeto(fromThisMachine = false): string | undefined {
  if (!insideHarnessGuest()) {
    if (!fromThisMachine) {
      return 'refusing to attach a vhost-vsock device outside a harness guest (this machine\'s vsock may lead to a hypervisor that is not ours)';
    }
    const above = GUEST_TRANSPORTS.find((module) => existsSync(`/sys/module/${module}`));
    if (above !== undefined) return `this machine is itself a vsock guest (${above} is loaded): its vsock may lead to a hypervisor that is not ours`;
  }
  if (!existsSync('/dev/vhost-vsock')) return insideHarnessGuest() ? '/dev/vhost-vsock is missing (boot the outer guest with vhostVsock: true)' : 'no /dev/vhost-vsock (modprobe vhost_vsock)';
  return undefined;
}
