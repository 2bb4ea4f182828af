/**
 * `vmrpc agents`: the guest agents registered at a host, from its AgentDirectory service, which
 * an AgentHost serves on listeners opened with `{ admin: true }` only (docs/agents.md).
 */
import { agentProtocol, closeClient, createClient, timestampToDate, RpcError, Status, type Client } from '@vmrpc/rpc';
import { defineCommand } from '../command';
import { DEADLINE_BOUNDS, parseDuration } from '../durations';
import { CliError, EXIT_OK, GRPC_EXIT_BASE } from '../errors';
import { CHANNEL_HELP, CHANNEL_OPTIONS, openChannel } from '../grpc-options';
import { atMost, targetArgument } from '../targets';

const HELP = `usage: vmrpc agents [OPTIONS] TARGET

Lists the guest agents registered at the AgentHost listening on TARGET (an admin listener, e.g.
unix:/run/vmrpc-agents.sock): id, state, peer (the VM as the host's kernel sees it), version,
labels and services.

  vmrpc agents unix:/run/vmrpc-agents.sock
  vmrpc agents --all --json unix:/run/vmrpc-agents.sock

To call an agent's services from here, open the listener with { admin: true, gateway: true } and:

  vmrpc list --agent ID TARGET                      its services (reflection through the gateway)
  vmrpc call --agent ID TARGET Service/Method JSON  a call to one of them

  -a, --all                   include offline agents the host still remembers
      --json                  one JSON object per agent, one per line
      --timeout DUR           deadline of the request (default 10s)
${CHANNEL_HELP}
`;

const FOOTER = 'exit codes: 0 listed; 1 failure; 2 usage error; 64+N gRPC status N (71 PERMISSION_DENIED: not an admin listener; 76 UNIMPLEMENTED: not an agent host)';

const STATE_NAMES: Record<number, string> = {
  [agentProtocol.AgentState.AGENT_STATE_ONLINE]: 'online',
  [agentProtocol.AgentState.AGENT_STATE_DRAINING]: 'draining',
  [agentProtocol.AgentState.AGENT_STATE_OFFLINE]: 'offline',
};

function row(agent: agentProtocol.AgentRecord): string[] {
  const state = STATE_NAMES[agent.state] ?? 'unknown';
  const since = agent.state === agentProtocol.AgentState.AGENT_STATE_OFFLINE ? agent.offlineReason : ago(agent.onlineSince);
  const labels = Object.entries(agent.labels).map(([key, value]) => `${key}=${value}`).join(',');
  return [agent.agentId, `${state} (${since})`, agent.peer, agent.version || '-', labels || '-', agent.services.join(',') || '-'];
}

function ago(timestamp: agentProtocol.AgentRecord['onlineSince']): string {
  if (timestamp === undefined) return '?';
  const seconds = Math.max(0, Math.round((Date.now() - timestampToDate(timestamp).getTime()) / 1000));
  if (seconds < 120) return `${seconds}s`;
  if (seconds < 7200) return `${Math.round(seconds / 60)}m`;
  return `${Math.round(seconds / 3600)}h`;
}

function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((cells) => cells[column]!.length)));
  return rows.map((cells) => cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  ')).join('\n');
}

export const command = defineCommand({
  name: 'agents',
  summary: 'list the guest agents registered at an agent host',
  help: HELP,
  footer: FOOTER,
  options: { ...CHANNEL_OPTIONS, all: { type: 'boolean', short: 'a' }, json: { type: 'boolean' }, timeout: { type: 'string' } },
  async run(values, positionals, io) {
    const { target } = targetArgument(positionals);
    atMost(positionals, 1);
    const timeoutMs = values.timeout === undefined ? 10_000 : parseDuration(values.timeout, '--timeout', DEADLINE_BOUNDS);
    const channel = openChannel(target, values['connect-timeout']);
    const directory: Client<typeof agentProtocol.AgentDirectoryService> = createClient(agentProtocol.AgentDirectoryService, channel);
    try {
      const { agents } = await directory.listAgents({ includeOffline: values.all === true }, { timeoutMs });
      if (values.json === true) {
        for (const agent of agents) io.stdout.write(`${JSON.stringify({ ...agent, state: STATE_NAMES[agent.state] ?? 'unknown', onlineSince: agent.onlineSince && timestampToDate(agent.onlineSince), lastSeen: agent.lastSeen && timestampToDate(agent.lastSeen) })}\n`);
      } else if (agents.length === 0) {
        io.stdout.write('no agents\n');
      } else {
        io.stdout.write(`${table([['ID', 'STATE', 'PEER', 'VERSION', 'LABELS', 'SERVICES'], ...agents.map(row)])}\n`);
      }
      return EXIT_OK;
    } catch (error) {
      if (error instanceof RpcError && error.code === Status.PERMISSION_DENIED) {
        throw new CliError(`${target} is not an admin listener of the agent host (${error.details}); list on the listener opened with { admin: true }`, GRPC_EXIT_BASE + Status.PERMISSION_DENIED, { cause: error });
      }
      throw error;
    } finally {
      closeClient(directory);
      channel.close();
    }
  },
});
