/**
 * An agent's identity: which VM a connection comes from, as the host's kernel (or the host's own
 * dialing) establishes it, never as the agent claims it. Ports are left out (a guest's source
 * port changes with every connection); what is left names the VM:
 *
 *   vsock          vsock:<CID>                the CID the kernel reports for the peer
 *   Hyper-V        hvsock:<VM id>             the partition the connection came from
 *   hybrid vsock   hybrid-vsock:<VMM socket>  one Unix socket per Firecracker / Cloud Hypervisor VMM
 *   Unix socket    unix:<listener path>       everything on one listener is one peer (the file
 *                                             system permissions of that path decide who it is)
 */
import type { VmAddress } from '@vmrpc/native';

export function identityOf(address: VmAddress): string {
  switch (address.family) {
    case 'vsock':
      return `vsock:${address.cid}`;
    case 'hvsock':
      return `hvsock:${address.vmId}`;
    case 'hybrid-vsock':
      return `hybrid-vsock:${address.path}`;
    case 'unix':
      return address.abstract === true ? `unix-abstract:${address.path}` : `unix:${address.path}`;
  }
}
