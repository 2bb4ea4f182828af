/** The agent's side of registering: the Register message it sends and the answer it keeps. */
import { hostname as osHostname } from 'node:os';
import { localCid } from '@vmrpc/native';
import { durationToMillis } from '../../codec/well-known';
import type { Register, Registered } from '../protocol/generated/vmrpc/agent/v1/agent';
import { AGENT_PROTOCOL_VERSION, formatVersion } from '../protocol/version';

/** The host's answer to the agent's registration. */
export interface AgentRegistration {
  readonly sessionId: string;
  /** The agent's identity as the host's kernel reports it (`vsock:3`, ...). */
  readonly peer: string;
  readonly heartbeatIntervalMs: number;
  readonly heartbeatTimeoutMs: number;
  /** Services the host serves to agents (use hostClient()). */
  readonly hostServices: readonly string[];
  /** The host's protocol version, e.g. `1.0`. */
  readonly hostProtocolVersion: string;
}

export interface AgentDescriptionFields {
  id: string;
  name: string;
  labels: Readonly<Record<string, string>>;
  version: string;
  services: readonly string[];
  hostname: string | undefined;
}

export function registerMessage(agent: AgentDescriptionFields): Register {
  let cid = 0;
  try {
    cid = localCid();
  } catch {
    // No vsock here (a Unix socket or hybrid vsock set-up): the CID is informational anyway.
  }
  return {
    protocol: { ...AGENT_PROTOCOL_VERSION },
    agentId: agent.id,
    name: agent.name,
    labels: { ...agent.labels },
    version: agent.version,
    services: [...agent.services],
    localCid: cid === 0xffffffff ? 0 : cid,
    hostname: agent.hostname ?? osHostname(),
  };
}

export function toRegistration(registered: Registered): AgentRegistration {
  return Object.freeze({
    sessionId: registered.sessionId,
    peer: registered.peer,
    heartbeatIntervalMs: durationToMillis(registered.heartbeatInterval ?? {}) || 5000,
    heartbeatTimeoutMs: durationToMillis(registered.heartbeatTimeout ?? {}) || 15_000,
    hostServices: Object.freeze([...registered.hostServices]),
    hostProtocolVersion: formatVersion(registered.protocol),
  });
}
