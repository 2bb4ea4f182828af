/** The gateway's public types: who calls (GatewayCaller), who decides (GatewayAuthorizer), and the listener option. */
import type { VmAddress } from '@vmrpc/native';
import type { AgentInfo } from '../host/agent-info';
import type { GatewayTlsIdentity } from './tls-listener';

/** Who is calling through the gateway, as the host's kernel and listener know it. */
export interface GatewayCaller {
  /** The caller's connection as the link table names it (`unix:/run/vmrpc-admin.sock#2`, ...). */
  readonly peer: string;
  /** Which peer it is (`unix:PATH` for everything on one Unix listener, `vsock:3`, ...). */
  readonly identity: string;
  readonly address: VmAddress;
  /** True when the caller came through a listener opened with `admin: true`. */
  readonly admin: boolean;
  /**
   * For callers on a Unix listener: the connecting process's credentials as the kernel reported
   * them (SO_PEERCRED), when @vmrpc/native reports them on accepted sockets; undefined otherwise.
   */
  readonly credentials?: UnixCredentials;
  /** For callers on a listener with `tls`: the client certificate it presented (mTLS), verified or not (`authorized`). */
  readonly tls?: GatewayTlsIdentity;
}

/** A Unix peer's process credentials, from the kernel (never from what the peer says). */
export interface UnixCredentials {
  readonly pid: number | undefined;
  readonly uid: number;
  readonly gid: number | undefined;
}

/**
 * Decides whether `caller` may call `method` (`/package.Service/Method`) on `agent`. Fails closed:
 * false, a throw, or no answer within the host's registrationTimeoutMs refuse the call with
 * PERMISSION_DENIED. `agent` is undefined for an id the host does not know (refuse, or let the
 * caller learn NOT_FOUND).
 */
export type GatewayAuthorizer = (caller: GatewayCaller, agent: AgentInfo | undefined, method: string, agentId: string) => boolean | Promise<boolean>;

/**
 * `listen(target, { gateway })`: `true` opens the gateway to every caller of an admin listener
 * (`admin: true` is then required); `{ authorize }` lets `authorize` decide for each call, on
 * any listener.
 */
export type GatewayOption = boolean | { authorize: GatewayAuthorizer };
