/**
 * Well-known addresses of Linux AF_VSOCK (see vsock(7)) and Windows Hyper-V sockets.
 */

/** VMADDR_CID_ANY: bind to any CID (listeners); also what the kernel reports when it does not know. */
export const VMADDR_CID_ANY = 0xffffffff;
/** VMADDR_CID_HYPERVISOR: reserved for services of the hypervisor itself. */
export const VMADDR_CID_HYPERVISOR = 0;
/** VMADDR_CID_LOCAL: loopback to this machine (needs the vsock_loopback transport, Linux 5.6+). */
export const VMADDR_CID_LOCAL = 1;
/** VMADDR_CID_HOST: the host, as seen from a guest. */
export const VMADDR_CID_HOST = 2;
/** VMADDR_PORT_ANY: let the kernel pick a free port when binding. */
export const VMADDR_PORT_ANY = 0xffffffff;
/** VMADDR_FLAG_TO_HOST: route a connection to the host even if the CID names a sibling VM. */
export const VMADDR_FLAG_TO_HOST = 0x01;

/** The largest value a CID or port can take (they are unsigned 32-bit integers). */
export const MAX_VSOCK_CID_OR_PORT = 0xffffffff;
/** Binding a vsock port below this needs CAP_NET_BIND_SERVICE. */
export const VSOCK_PRIVILEGED_PORT_LIMIT = 1024;

/** HV_GUID_WILDCARD: listen for connections from any partition. */
export const HV_GUID_WILDCARD = '00000000-0000-0000-0000-000000000000';
/** HV_GUID_BROADCAST: every partition. */
export const HV_GUID_BROADCAST = 'ffffffff-ffff-ffff-ffff-ffffffffffff';
/** HV_GUID_CHILDREN: listen for connections from child partitions (the VMs of this host). */
export const HV_GUID_CHILDREN = '90db8b89-0d35-4f79-8ce9-49ea0ac8b7cd';
/** HV_GUID_LOOPBACK: this partition (host to itself). */
export const HV_GUID_LOOPBACK = 'e0e16197-dd56-4a10-9195-5ee7a155a838';
/** HV_GUID_PARENT: the parent partition (from a guest: its host). */
export const HV_GUID_PARENT = 'a42e7cda-d03f-480c-9cc2-a4de20abb878';
/** HV_GUID_SILOHOST: the host of a Windows Server container (silo). */
export const HV_GUID_SILOHOST = '36bd0c5c-7276-4223-88ba-7d03b654c568';
/**
 * HV_GUID_VSOCK_TEMPLATE: service ids of this form (the port in the first 32-bit field) reach
 * AF_VSOCK ports of Linux guests (Hyper-V VMs and WSL 2).
 */
export const HV_GUID_VSOCK_TEMPLATE = '00000000-facb-11e6-bd58-64006a7986d3';

/** Names accepted in `hvsock:` targets for the well-known VM ids. */
export const HV_WELL_KNOWN_VM_IDS: Readonly<Record<string, string>> = Object.freeze({
  wildcard: HV_GUID_WILDCARD,
  broadcast: HV_GUID_BROADCAST,
  children: HV_GUID_CHILDREN,
  loopback: HV_GUID_LOOPBACK,
  parent: HV_GUID_PARENT,
  silohost: HV_GUID_SILOHOST,
});

/** Default bound on establishing a connection, in milliseconds (never wait forever). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
