/**
 * How each address family is opened on this OS: the socket domain, the sockaddr to connect or
 * bind to, and the hints that turn a bare errno into an actionable message.
 */
import type { VmAddress } from './addresses';
import { socketBinding, type NativeBinding } from './binding';
import { VMADDR_FLAG_TO_HOST, VSOCK_PRIVILEGED_PORT_LIMIT } from './constants';
import { VmError } from './errors';
import { hvsockBinding } from './hvsock-family';
import { AF_UNIX, AF_VSOCK, encodeUnix, encodeVsock } from './sockaddr';
import { notASocketHint } from './stale-socket';
import { checkHybridListenPath, formatTarget } from './target';

/** A family resolved for one socket: what to pass to socket(2) and connect(2)/bind(2). */
export interface FamilyPlan {
  readonly binding: NativeBinding;
  readonly domain: number;
  readonly sockaddr: Buffer;
  readonly target: string;
}

/** Plans a socket for `address`; `role` decides where a hybrid-vsock address points. */
export function planSocket(address: VmAddress, role: 'connect' | 'listen', toHost = false): FamilyPlan {
  const target = formatTarget(address);
  switch (address.family) {
    case 'vsock':
      return {
        binding: socketBinding('AF_VSOCK'),
        domain: AF_VSOCK,
        sockaddr: encodeVsock(address, toHost ? VMADDR_FLAG_TO_HOST : 0),
        target,
      };
    case 'unix':
      return { binding: socketBinding('Unix sockets through @vmrpc/native'), domain: AF_UNIX, sockaddr: encodeUnix(address), target };
    case 'hybrid-vsock': {
      // Connecting goes to the VMM's socket (then CONNECT <port>); guests' connections to host
      // port P arrive on <path>_P.
      const path = role === 'connect' ? address.path : hybridListenPath(address.path, address.port);
      if (role === 'listen') checkHybridListenPath(target, path, address.port);
      return { binding: socketBinding('hybrid vsock'), domain: AF_UNIX, sockaddr: encodeUnix({ path }), target };
    }
    case 'hvsock':
      // Hyper-V stream sockets have their own path (dial-win32.ts, listener-win32.ts): only
      // seqpacket sockets get here, and those do not exist on Windows either.
      hvsockBinding(target);
      throw new VmError('ERR_VMRPC_UNSUPPORTED_PLATFORM', `${target}: Hyper-V sockets are stream sockets only (no SOCK_SEQPACKET)`);
  }
}

/** The Unix socket path on which a hybrid-vsock VMM delivers guest connections to host port `port`. */
export function hybridListenPath(path: string, port: number): string {
  return `${path}_${port}`;
}

/** The file a Unix or hybrid-vsock address uses for `syscall` (bind: the listening path); none for vsock and abstract names. */
export function socketFileOf(address: VmAddress, syscall: string): string | undefined {
  if (address.family === 'unix') return address.abstract === true ? undefined : address.path;
  if (address.family === 'hybrid-vsock') return syscall === 'bind' ? hybridListenPath(address.path, address.port) : address.path;
  return undefined;
}

/** A sentence that tells the user what to check for an errno name met on `syscall`, or undefined. */
export function errorHint(code: string, syscall: string, address: VmAddress): string | undefined {
  const vsock = address.family === 'vsock';
  const file = socketFileOf(address, syscall);
  if (file !== undefined && (code === 'EADDRINUSE' || code === 'ECONNREFUSED' || code === 'ENOTSOCK')) {
    const notSocket = notASocketHint(file);
    if (notSocket !== undefined) return notSocket;
  }
  switch (code) {
    case 'EAFNOSUPPORT':
      return vsock ? 'AF_VSOCK is not available: load the vsock kernel module (and a transport such as vmw_vsock_virtio_transport)' : undefined;
    case 'ENODEV':
      return vsock
        ? `no vsock transport reaches CID ${address.cid}: is this a VM with a vsock device, is the right transport loaded (vsock_loopback for CID 1)?`
        : undefined;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return vsock ? `CID ${address.cid} cannot be reached from here` : undefined;
    case 'EACCES':
      if (syscall === 'bind' && vsock && address.port < VSOCK_PRIVILEGED_PORT_LIMIT) {
        return `ports below ${VSOCK_PRIVILEGED_PORT_LIMIT} need CAP_NET_BIND_SERVICE`;
      }
      return 'permission denied';
    case 'EADDRINUSE':
      return address.family === 'vsock' || (address.family === 'unix' && address.abstract === true)
        ? 'another socket is already bound to this address'
        : 'the socket file exists: another server listens there, or a killed server left it behind (listen with removeStaleSocket: true to remove it when nothing answers on it)';
    case 'EADDRNOTAVAIL':
      return vsock ? `CID ${address.cid} is not a CID of this machine: listen on vsock:any:PORT` : undefined;
    case 'ENOENT':
      if (address.family === 'hybrid-vsock') return `no socket at ${address.path}: is the VMM running with this vsock uds_path?`;
      return 'no socket file at that path: is the server running?';
    case 'ECONNREFUSED':
      return 'nothing is listening there';
    default:
      return undefined;
  }
}
