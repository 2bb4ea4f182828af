/** What a host knows of an agent: an immutable snapshot, replaced on every change. */

/** `online`, `draining` (said goodbye, calls in progress finish) or `offline`. */
export type AgentState = 'online' | 'draining' | 'offline';

/**
 * Why an agent went offline:
 * - `disconnected`: its session ended without a goodbye (the process died, the link broke);
 * - `heartbeat-timeout`: nothing arrived from it within the heartbeat timeout (frozen or cut off);
 * - `shutdown`: it drained and said goodbye;
 * - `replaced`: a new session of the same agent (same id, same peer) took over;
 * - `refused`: the host ended the session over a protocol violation;
 * - `host-closed`: the host is closing.
 */
export type OfflineReason = 'disconnected' | 'heartbeat-timeout' | 'shutdown' | 'replaced' | 'refused' | 'host-closed';

/** An agent as the host knows it: an immutable snapshot, replaced on every change. */
export interface AgentInfo {
  readonly id: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** The agent software's version, as it registered it. */
  readonly version: string;
  /** Fully-qualified names of the services it serves. */
  readonly services: readonly string[];
  /** Which VM it runs in, as the host's kernel reports it: `vsock:3`, `hvsock:VMID`, `hybrid-vsock:PATH`, `unix:PATH`. */
  readonly peer: string;
  readonly state: AgentState;
  /** Since when the current (or last) session is registered. */
  readonly onlineSince: Date;
  /** When the host last heard from it. */
  readonly lastSeen: Date;
  /** Set while offline. */
  readonly offlineReason: OfflineReason | undefined;
  /** The CID the guest reported for itself (informational; `peer` is what the host verified). */
  readonly localCid: number | undefined;
  readonly hostname: string;
  /** The protocol version the agent speaks, e.g. `1.0`. */
  readonly protocolVersion: string;
  /** True when the host dialed the agent (AgentHost#connect), false when the agent dialed in. */
  readonly dialed: boolean;
}

/** Where agent `id` is, in words for errors: not registered, offline (why), draining or online. */
export function agentWhereabouts(id: string, agent: AgentInfo | undefined): string {
  if (agent === undefined) return `agent ${id} is not registered with this host`;
  if (agent.state === 'offline') return `agent ${id} is offline (${agent.offlineReason ?? 'unknown'})`;
  return `agent ${id} is ${agent.state}`;
}
