/** Who a gateway caller is: the link's peer and identity, and a Unix peer's credentials when the native layer reports them. */
import type { Link } from '../link/link-table';
import type { GatewayCaller, UnixCredentials } from './options';

interface MaybeCredentials {
  readonly family?: string;
  readonly pid?: unknown;
  readonly uid?: unknown;
  readonly gid?: unknown;
}

/** `link`'s caller; the credentials come from the accepted socket's remote address (SO_PEERCRED). */
export function gatewayCaller(link: Link, admin: boolean): GatewayCaller {
  // The link's address is the listener's for unnamed Unix peers; the socket's remote address is the peer's.
  const remote = (link.socket as { remoteVmAddress?: MaybeCredentials }).remoteVmAddress;
  const credentials: UnixCredentials | undefined =
    remote?.family === 'unix' && typeof remote.uid === 'number'
      ? { uid: remote.uid, pid: typeof remote.pid === 'number' ? remote.pid : undefined, gid: typeof remote.gid === 'number' ? remote.gid : undefined }
      : undefined;
  return { peer: link.peer, identity: link.identity, address: link.address, admin, ...(credentials === undefined ? {} : { credentials }) };
}
