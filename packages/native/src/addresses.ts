/**
 * Typed VM socket addresses. Every target string of the project parses to one of these
 * (see target.ts), and sockets and servers report their ends as these.
 */

/** A Linux AF_VSOCK address: context id (CID) and port, both unsigned 32-bit. */
export interface VsockAddress {
  readonly family: 'vsock';
  readonly cid: number;
  readonly port: number;
}

/** A Windows Hyper-V socket address: a VM (partition) id and a service id, both GUIDs. */
export interface HvsockAddress {
  readonly family: 'hvsock';
  /** Lowercase GUID; the well-known names of `hvsock:` targets are resolved to their GUIDs. */
  readonly vmId: string;
  /** Lowercase GUID; a vsock port in a target is mapped through the VSock template. */
  readonly serviceId: string;
}

/**
 * The host side of a hybrid vsock device (Firecracker, Cloud Hypervisor): the VMM's Unix socket
 * and a guest vsock port. Connecting performs the `CONNECT <port>` handshake; listening accepts
 * the guest's connections to host port `port` on the Unix socket `<path>_<port>`.
 */
export interface HybridVsockAddress {
  readonly family: 'hybrid-vsock';
  readonly path: string;
  readonly port: number;
}

/**
 * A Unix domain socket; `abstract` names live in Linux's abstract namespace, not the file system.
 *
 * As the `remoteVmAddress` of a socket a Unix server accepted, it also carries the connecting
 * process's credentials, read from the kernel (SO_PEERCRED: as they were when it connected,
 * never as the peer claims them), so servers can authorize and limit peers per user. A client
 * that never bound a name (the usual case) has `path` `''`, which formats as `unix:unnamed-peer`.
 */
export interface UnixAddress {
  readonly family: 'unix';
  readonly path: string;
  readonly abstract?: boolean;
  /** Accepted peers: the process id of the peer when it connected. */
  readonly pid?: number;
  /** Accepted peers: the peer's effective user id. */
  readonly uid?: number;
  /** Accepted peers: the peer's effective group id. */
  readonly gid?: number;
}

/** Any address a VM socket can have. */
export type VmAddress = VsockAddress | HvsockAddress | HybridVsockAddress | UnixAddress;

/** The `family` names of {@link VmAddress}. */
export type VmAddressFamily = VmAddress['family'];
