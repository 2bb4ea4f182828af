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

/**
 * Why this machine may not give a nested guest a vhost-vsock device, or
 * undefined when it may. Only harness guests qualify: on the real host the
 * vsock device leads to a hypervisor that is not ours.
 */
export function vhostVsockVeto(): string | undefined {
  if (!insideHarnessGuest()) {
    return 'refusing to attach a vhost-vsock device outside a harness guest (this machine\'s vsock may lead to a hypervisor that is not ours)';
  }
  if (!existsSync('/dev/vhost-vsock')) return '/dev/vhost-vsock is missing (boot the outer guest with vhostVsock: true)';
  return undefined;
}
