/**
 * The host's registry: which agent ids exist, which peer each is bound to, which session is
 * live. An id is bound to the identity of the first session that claims it and stays bound
 * while the agent is online and for `retainOfflineMs` after, so another VM cannot take it over
 * by registering while the owner reboots.
 */
import { RpcError, Status } from '../../errors';
import type { Register, Update } from '../protocol/generated/vmrpc/agent/v1/agent';
import { formatVersion } from '../protocol/version';
import type { Link } from '../link/link-table';
import type { AgentInfo, OfflineReason } from './agent-info';
import { AgentSession } from './agent-session';

export interface RegistryLimits {
  maxAgents: number;
  maxAgentsPerPeer: number;
  retainOfflineMs: number;
  heartbeatTimeoutMs: number;
}

export interface RegistryEvents {
  online(info: AgentInfo): void;
  offline(info: AgentInfo, reason: OfflineReason): void;
  updated(info: AgentInfo): void;
  /** Agent `info.id` registered again from `peer` while its session there was live (two agents with one id, or a restart the host had not noticed). */
  conflict(info: AgentInfo, peer: string): void;
}

/** A peer holds at most this many times maxAgentsPerPeer ids, online and offline together. */
export const MAX_IDS_PER_PEER_FACTOR = 4;

interface Entry {
  info: AgentInfo;
  session: AgentSession | undefined;
  retainTimer: NodeJS.Timeout | undefined;
}

export class Registry {
  private readonly entries = new Map<string, Entry>();
  private readonly sessions = new Map<string, AgentSession>();

  constructor(
    private readonly limits: RegistryLimits,
    private readonly events: RegistryEvents,
  ) {}

  get(id: string): AgentInfo | undefined {
    return this.entries.get(id)?.info;
  }

  list(): AgentInfo[] {
    const order = { online: 0, draining: 1, offline: 2 } as const;
    return [...this.entries.values()].map((entry) => entry.info).sort((a, b) => order[a.state] - order[b.state] || a.id.localeCompare(b.id));
  }

  /** The live session of `id` (online or draining). */
  sessionOf(id: string): AgentSession | undefined {
    return this.entries.get(id)?.session;
  }

  sessionById(sessionId: string): AgentSession | undefined {
    return this.sessions.get(sessionId);
  }

  /** Registers a session; throws RpcError PERMISSION_DENIED or RESOURCE_EXHAUSTED. */
  open(register: Register, link: Link): AgentSession {
    const id = register.agentId;
    const existing = this.entries.get(id);
    if (existing !== undefined && existing.info.peer !== link.identity) {
      throw new RpcError(Status.PERMISSION_DENIED, `agent id ${id} is bound to peer ${existing.info.peer}; this session comes from ${link.identity}`);
    }
    const ofPeer = [...this.entries.values()].filter((entry) => entry.info.peer === link.identity);
    const live = ofPeer.filter((entry) => entry.session !== undefined && entry.info.id !== id);
    if (live.length >= this.limits.maxAgentsPerPeer) {
      throw new RpcError(Status.RESOURCE_EXHAUSTED, `peer ${link.identity} already has ${live.length} agents registered (maxAgentsPerPeer)`);
    }
    if (existing === undefined) this.makeRoom(link.identity, ofPeer);
    const replaced = existing?.session;
    if (replaced !== undefined) {
      this.events.conflict(existing!.info, link.identity);
      // Final for the replaced agent (it stops): two processes with one id settle on the newer.
      replaced.end('replaced', new RpcError(Status.ALREADY_EXISTS, `agent ${id} registered again from ${link.identity} (another process with the same id, or this agent restarted); this session is replaced`));
    }

    const session = new AgentSession(id, link, this.limits.heartbeatTimeoutMs);
    const now = new Date();
    const info: AgentInfo = Object.freeze({
      id,
      name: register.name,
      labels: Object.freeze({ ...register.labels }),
      version: register.version,
      services: Object.freeze([...register.services]),
      peer: link.identity,
      state: 'online',
      onlineSince: now,
      lastSeen: now,
      offlineReason: undefined,
      localCid: register.localCid === 0 ? undefined : register.localCid,
      hostname: register.hostname,
      protocolVersion: formatVersion(register.protocol),
      dialed: link.dialed,
    });
    if (existing !== undefined) clearTimeout(existing.retainTimer);
    const entry: Entry = { info, session, retainTimer: undefined };
    this.entries.set(id, entry);
    this.sessions.set(session.id, session);
    session.onEnd((reason) => this.closed(entry, session, reason));
    return session;
  }

  /** Emits 'online' for a session opened by open() (after its Registered answer is queued). */
  announce(session: AgentSession): void {
    const entry = this.entries.get(session.agentId);
    if (entry?.session === session) this.events.online(entry.info);
  }

  touch(session: AgentSession): void {
    session.touch();
    const entry = this.entries.get(session.agentId);
    // lastSeen is refreshed in the snapshot at most once a second: snapshots are immutable.
    if (entry?.session === session && session.lastSeen - entry.info.lastSeen.getTime() >= 1000) {
      entry.info = Object.freeze({ ...entry.info, lastSeen: new Date(session.lastSeen) });
    }
  }

  update(session: AgentSession, update: Update): void {
    const entry = this.entries.get(session.agentId);
    if (entry?.session !== session) return;
    entry.info = Object.freeze({
      ...entry.info,
      name: update.name,
      labels: Object.freeze({ ...update.labels }),
      services: Object.freeze([...update.services]),
      lastSeen: new Date(session.lastSeen),
    });
    this.events.updated(entry.info);
  }

  draining(session: AgentSession): void {
    const entry = this.entries.get(session.agentId);
    if (entry?.session !== session || entry.info.state !== 'online') return;
    entry.info = Object.freeze({ ...entry.info, state: 'draining' });
    this.events.updated(entry.info);
  }

  /** Forgets every offline agent and stops the retention timers (the host is closing). */
  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.retainTimer);
    this.entries.clear();
  }

  private closed(entry: Entry, session: AgentSession, reason: OfflineReason): void {
    this.sessions.delete(session.id);
    if (entry.session !== session) return;
    entry.session = undefined;
    entry.info = Object.freeze({ ...entry.info, state: 'offline', offlineReason: reason, lastSeen: new Date(session.lastSeen) });
    entry.retainTimer = setTimeout(() => {
      if (this.entries.get(entry.info.id) === entry && entry.session === undefined) this.entries.delete(entry.info.id);
    }, this.limits.retainOfflineMs);
    entry.retainTimer.unref();
    this.events.offline(entry.info, reason);
  }

  /**
   * Room for a new id of `peer`. Only the peer's own offline ids make room (the one seen longest
   * ago is forgotten early): another VM's binding lapses only after retainOfflineMs, so no guest
   * can churn ids to take over a rebooting neighbour's. A peer keeps at most
   * MAX_IDS_PER_PEER_FACTOR x maxAgentsPerPeer ids, so one guest cannot fill maxAgents alone.
   */
  private makeRoom(peer: string, ofPeer: Entry[]): void {
    const perPeer = MAX_IDS_PER_PEER_FACTOR * this.limits.maxAgentsPerPeer;
    if (ofPeer.length >= perPeer && !this.forgetOldestOffline(ofPeer)) {
      throw new RpcError(Status.RESOURCE_EXHAUSTED, `peer ${peer} already holds ${ofPeer.length} agent ids (${MAX_IDS_PER_PEER_FACTOR} x maxAgentsPerPeer)`);
    }
    if (this.entries.size >= this.limits.maxAgents && !this.forgetOldestOffline(ofPeer)) {
      throw new RpcError(Status.RESOURCE_EXHAUSTED, `the host has ${this.entries.size} agents (maxAgents) and peer ${peer} has no offline agent to forget`);
    }
  }

  /** Forgets the offline entry among `candidates` seen longest ago; false when none is offline. */
  private forgetOldestOffline(candidates: Entry[]): boolean {
    let oldest: Entry | undefined;
    for (const entry of candidates) {
      if (this.entries.get(entry.info.id) !== entry || entry.session !== undefined) continue;
      if (oldest === undefined || entry.info.lastSeen < oldest.info.lastSeen) oldest = entry;
    }
    if (oldest === undefined) return false;
    clearTimeout(oldest.retainTimer);
    this.entries.delete(oldest.info.id);
    return true;
  }
}
