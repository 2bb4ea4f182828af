/**
 * AgentDirectory.ListAgents: the registry for operators (`vmrpc agents`). Served only on links
 * of listeners opened with `admin: true`, because a guest must not learn which other VMs exist.
 */
import { RpcError, Status } from '../../errors';
import type { CallContext } from '../../server/context';
import { timestampFromDate } from '../../codec/well-known';
import { AgentState, type AgentDirectoryServiceImplementation, type AgentRecord, type ListAgentsRequest } from '../protocol/generated/vmrpc/agent/v1/agent';
import type { AgentInfo } from './agent-info';

const STATES = { online: AgentState.AGENT_STATE_ONLINE, draining: AgentState.AGENT_STATE_DRAINING, offline: AgentState.AGENT_STATE_OFFLINE } as const;

export function directoryService(list: () => AgentInfo[], isAdminPeer: (peer: string) => boolean): AgentDirectoryServiceImplementation {
  return {
    async listAgents(request: ListAgentsRequest, context: CallContext) {
      if (!isAdminPeer(context.peer)) throw new RpcError(Status.PERMISSION_DENIED, 'the agent directory is served on admin listeners only');
      const agents = list().filter((agent) => request.includeOffline || agent.state !== 'offline');
      return { agents: agents.map(toRecord) };
    },
  };
}

export function toRecord(agent: AgentInfo): AgentRecord {
  const [major = 0, minor = 0] = agent.protocolVersion.split('.').map(Number);
  return {
    agentId: agent.id,
    name: agent.name,
    labels: { ...agent.labels },
    version: agent.version,
    services: [...agent.services],
    peer: agent.peer,
    state: STATES[agent.state],
    onlineSince: timestampFromDate(agent.onlineSince),
    lastSeen: timestampFromDate(agent.lastSeen),
    offlineReason: agent.offlineReason ?? '',
    localCid: agent.localCid ?? 0,
    hostname: agent.hostname,
    protocol: { major, minor },
  };
}
