/**
 * `--agent ID` and `--wait DUR` of `call` and `list`: the call goes to the AgentHost's gateway at
 * TARGET, which forwards it to guest agent ID (docs/agents.md, "The gateway").
 */
import { Metadata } from '@grpc/grpc-js';
import { GATEWAY_AGENT_METADATA, GATEWAY_WAIT_METADATA } from '@vmrpc/rpc';
import { parseDuration } from './durations';
import { UsageError } from './errors';

// The gateway takes a wait of at most 9 digits of milliseconds.
const GATEWAY_MAX_WAIT = { ms: 999_999_999, why: 'about 11.5 days, the longest the gateway waits' };

export const AGENT_OPTIONS = {
  agent: { type: 'string' },
  wait: { type: 'string' },
} as const;

export const AGENT_HELP = `      --agent ID              through the agent host's gateway at TARGET (a listener opened with
                              { admin: true, gateway: true }) to guest agent ID
      --wait DUR              with --agent: wait up to DUR for the agent if it is not online`;

/** The metadata that addresses agent `--agent` (empty without it). */
export function agentMetadata(values: { agent?: string | undefined; wait?: string | undefined }): Metadata {
  const metadata = new Metadata();
  if (values.agent === undefined) {
    if (values.wait !== undefined) throw new UsageError('--wait goes with --agent ID (it waits for that agent)');
    return metadata;
  }
  if (values.agent === '') throw new UsageError('--agent wants an agent id (see vmrpc agents TARGET)');
  metadata.set(GATEWAY_AGENT_METADATA, values.agent);
  if (values.wait !== undefined) metadata.set(GATEWAY_WAIT_METADATA, String(parseDuration(values.wait, '--wait', { zero: true, max: GATEWAY_MAX_WAIT })));
  return metadata;
}
