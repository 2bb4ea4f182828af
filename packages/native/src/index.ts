/**
 * @vmrpc/native: VM sockets for Node.js with node:net's vocabulary.
 *
 * - Linux AF_VSOCK stream and seqpacket sockets (`vsock:CID:PORT`)
 * - the host side of hybrid vsock, Firecracker / Cloud Hypervisor (`hybrid-vsock:PATH:PORT`)
 * - Unix sockets through the same code (`unix:PATH`)
 * - Windows Hyper-V sockets (`hvsock:VMID:SERVICE`), with service registration and VM discovery;
 *   addresses and GUID mapping work on every OS
 */
export type { HvsockAddress, HybridVsockAddress, UnixAddress, VmAddress, VmAddressFamily, VsockAddress } from './addresses';
export {
  DEFAULT_CONNECT_TIMEOUT_MS,
  HV_GUID_BROADCAST,
  HV_GUID_CHILDREN,
  HV_GUID_LOOPBACK,
  HV_GUID_PARENT,
  HV_GUID_SILOHOST,
  HV_GUID_VSOCK_TEMPLATE,
  HV_GUID_WILDCARD,
  HV_WELL_KNOWN_VM_IDS,
  MAX_VSOCK_CID_OR_PORT,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_FLAG_TO_HOST,
  VMADDR_PORT_ANY,
} from './constants';
export { checkConnectOptions, connect, createConnection, type ConnectOptions } from './connect';
export { nativeHandleAvailable, type DataPathOption } from './data-path';
export {
  HVSOCKET_CONNECTED_SUSPEND,
  HVSOCKET_CONNECT_TIMEOUT,
  HVSOCKET_CONNECT_TIMEOUT_MAX,
  HVSOCKET_CONTAINER_PASSTHRU,
  HVSOCKET_HIGH_VTL,
  HV_PROTOCOL_RAW,
  type HvsockOptions,
} from './hvsock-options';
export {
  GUEST_COMMUNICATION_SERVICES_KEY,
  hvsockServiceId,
  isElevated,
  listHvsockServices,
  registerHvsockService,
  unregisterHvsockService,
  type HvsockService,
  type HvsockServiceRegistered,
  type HvsockServiceRegistration,
} from './hvsock-registry';
export { listHyperVVms, wslVmId, type DiscoveryOptions, type HyperVVm, type WslVmIdOptions } from './hyperv-discovery';
export { VmError, type VmErrorCode, type VmSocketSystemError } from './errors';
export { normalizeGuid, vsockPortFromServiceId, vsockServiceId } from './guid';
export { localCid } from './local-cid';
export { createServer, VmServer, type ListenOptions, type ServerOptions, type VmServerEvents } from './server';
export { MAX_UNIX_PATH_BYTES, UNNAMED_UNIX_PEER, formatTarget, parseTarget, validateAddress } from './target';
export type { DataPath, VmSocket } from './vm-socket';
export {
  DEFAULT_MAX_MESSAGE_SIZE,
  SeqpacketSocket,
  connectSeqpacket,
  type SeqpacketConnectOptions,
  type SeqpacketSocketEvents,
} from './seqpacket-socket';
export { createSeqpacketServer, type SeqpacketServerOptions } from './seqpacket-server';
