/** The options and events of AgentHost, and the options of its listen(). */
import type { ConnectOptions, DataPathOption } from '@vmrpc/native';
import type { BackoffOptions, VmChannelOptions } from '@vmrpc/transport';
import type { ServerOptions } from '../../server/create-server';
import type { GatewayOption } from '../gateway/options';
import type { GatewayLimits } from '../gateway/limits';
import type { GatewayTlsOptions } from '../gateway/tls-listener';
import type { LinkAuthorizer } from '../link/link-listener';
import type { AgentLogger } from '../util/logger';
import type { AgentInfo, OfflineReason } from './agent-info';
import type { RegistrationAuthorizer } from './session-handler';

/** Options of {@link AgentHost}; every limit and timeout has a default suited to local VM sockets. */
export interface AgentHostOptions {
  /** How often agents send heartbeats. Default 5000 ms. */
  heartbeatIntervalMs?: number;
  /** An agent silent for this long goes offline (`heartbeat-timeout`). Default 3 x the interval. */
  heartbeatTimeoutMs?: number;
  /** How long a new session may take to register, and a new link to send its preface. Default 10000 ms. */
  registrationTimeoutMs?: number;
  /** How long opening a call link to an agent may take. Default 10000 ms. */
  callLinkTimeoutMs?: number;
  /** Decides which peers may register which agents (after the built-in checks). */
  authorize?: RegistrationAuthorizer;
  /** Most agents known at once (online or remembered offline). Default 1024. */
  maxAgents?: number;
  /** Most agents online at once from one peer (one VM). Default 8. */
  maxAgentsPerPeer?: number;
  /** Most open connections from one peer, all listeners together. Default 32. */
  maxConnectionsPerPeer?: number;
  /** How long an offline agent stays listed and keeps its id bound to its peer. Default 300000 ms. */
  retainOfflineMs?: number;
  /** Options of the host's gRPC server (message size limits, ...). */
  server?: ServerOptions;
  /**
   * Options of the channels to agents (message size limits, keepalive, ...); each is named
   * `agent ID`. Their calls run on @vmrpc/transport's own HTTP/2 engine (`http2: 'vmrpc'`, the
   * lean path for small calls); `http2: 'node'` runs them on node:http2 instead.
   */
  channel?: Omit<VmChannelOptions, 'connect' | 'name'>;
  /** How the host dials agents that listen (connectTimeout, dataPath, ...). */
  connect?: Omit<ConnectOptions, 'signal'>;
  /** Backoff between dials of an agent that listens. Default 250 ms growing to 5000 ms. */
  reconnect?: BackoffOptions;
  /** Limits of the gateway listeners: message size, receive windows, concurrent calls (docs/agents.md). */
  gateway?: GatewayLimits;
  logger?: AgentLogger;
}

/** Options of {@link AgentHost.listen}. */
export interface AgentListenOptions {
  /** Serve AgentDirectory (the agent list, for `vmrpc agents`) on this listener. Use on host-only targets. */
  admin?: boolean;
  /** Decides, before any byte is read, whether a peer may connect at all. */
  authorize?: LinkAuthorizer;
  /**
   * Forward calls that name an agent (`vmrpc-agent: <id>` metadata) to that agent (docs/agents.md,
   * "The gateway"). `true` needs `admin: true`; `{ authorize }` decides per call on any listener.
   */
  gateway?: GatewayOption;
  /** TLS for a gateway listener (key/cert; ca and requestCert for mTLS: `caller.tls` in authorize). */
  tls?: GatewayTlsOptions;
  dataPath?: DataPathOption;
}

/** The events of {@link AgentHost}. */
export interface AgentHostEvents {
  online: [agent: AgentInfo];
  offline: [agent: AgentInfo, reason: OfflineReason];
  updated: [agent: AgentInfo];
}
