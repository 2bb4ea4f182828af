/** The agent protocol's version and defaults shared by hosts and agents. */
import type { ProtocolVersion } from './generated/vmrpc/agent/v1/agent';

/** This implementation speaks protocol 1.0 (protos/vmrpc/agent/v1/agent.proto). */
export const AGENT_PROTOCOL_VERSION: Readonly<ProtocolVersion> = Object.freeze({ major: 1, minor: 0 });

/** The vsock port hosts listen on and agents dial by default: 0x564D, "VM" in ASCII. */
export const DEFAULT_AGENT_PORT = 22093;

/** Where a guest's agent finds its host by default: the host (CID 2) on the default port. */
export const DEFAULT_HOST_TARGET = `vsock:2:${DEFAULT_AGENT_PORT}`;

/** Metadata key the agent's host clients send, so the host can tell agents of one VM apart. */
export const AGENT_ID_METADATA = 'vmrpc-agent-id';

export function formatVersion(version: ProtocolVersion | undefined): string {
  return version === undefined ? 'unknown' : `${version.major}.${version.minor}`;
}
