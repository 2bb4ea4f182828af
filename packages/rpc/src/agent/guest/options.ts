/** The options and events of GuestAgent. */
import type { ConnectOptions, DataPathOption } from '@vmrpc/native';
import type { BackoffOptions, VmChannelOptions } from '@vmrpc/transport';
import type { ServerOptions } from '../../server/create-server';
import type { LinkAuthorizer } from '../link/link-listener';
import type { AgentLogger } from '../util/logger';
import type { AgentRegistration } from './registration';

/** Options of {@link GuestAgent}: who it is, and how it reaches and serves its host. */
export interface GuestAgentOptions {
  /** Unique per host: letters, digits and . _ : @ - (e.g. the VM's name). */
  id: string;
  name?: string;
  labels?: Record<string, string>;
  /** The agent software's version (at most 128 bytes, no control characters). */
  version?: string;
  /** Reported to the host (at most 256 bytes, no control characters); default os.hostname(). */
  hostname?: string;
  /**
   * Backoff between session attempts. Default 250 ms growing to 5000 ms, +/-20% jitter.
   * initialMs and maxMs from 1 to 2^31-1, multiplier 1 or more, jitter 0 to 1 (RangeError otherwise).
   */
  reconnect?: BackoffOptions;
  /** How long the host may take to answer a registration, and a link its preface. 1 to 2^31-1 ms; default 10000. */
  registrationTimeoutMs?: number;
  /** How the agent dials the host (connectTimeout, toHost, dataPath, ...). */
  connect?: Omit<ConnectOptions, 'signal'>;
  /**
   * Options of the agent's gRPC server (message size limits, ...). The agent serves the host's
   * calls with the rpc server's own gRPC server on @vmrpc/transport's HTTP/2 engine, which honours
   * `grpc.max_receive_message_length`, `grpc.max_send_message_length`,
   * `grpc.max_concurrent_streams` and the keepalive options. Any other key in `server.grpc`
   * (grpc-js server `interceptors`, channelz, connection ages...) makes the agent serve its calls
   * with grpc-js's Server instead, as before (logged once at 'info').
   */
  server?: ServerOptions;
  /** Options of the channel to the host (message size limits, ...). */
  channel?: Omit<VmChannelOptions, 'connect'>;
  logger?: AgentLogger;
}

/** Options of {@link GuestAgent.listen}. */
export interface AgentListenOptions {
  /** Decides, before any byte is read, whether a peer may connect. Default: any peer that reaches the port. */
  authorize?: LinkAuthorizer;
  /** Also serve the agent's services to plain gRPC clients on this listener (e.g. `vmrpc call`). Default false. */
  directCalls?: boolean;
  dataPath?: DataPathOption;
}

/** Options of {@link GuestAgent.connect}. */
export interface AgentConnectOptions {
  /** Gives up waiting for the first registration (the agent keeps trying until close()). */
  signal?: AbortSignal;
}


/** Where the agent is in its life: `connecting` also covers the waits between attempts. */
export type GuestAgentState = 'idle' | 'connecting' | 'registered' | 'draining' | 'closed';

/** The events of {@link GuestAgent}. */
export interface GuestAgentEvents {
  /** Registered (again): the host can call the agent. */
  registered: [registration: AgentRegistration];
  /** The session ended; the agent reconnects unless it is closing or the error is final. */
  disconnected: [error: Error];
  /** The next session attempt starts after `delayMs`. */
  reconnecting: [attempt: number, delayMs: number];
  /** The host is going away (it closes or restarts). */
  hostDraining: [reason: string];
  /** The agent stopped: after close(), or with the error that made retrying pointless. */
  close: [error?: Error];
}
