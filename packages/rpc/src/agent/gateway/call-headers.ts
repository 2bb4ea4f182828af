/**
 * What the gateway reads from a caller's request headers: the agent it addresses, whether to
 * wait for it, the deadline (`grpc-timeout`), and the metadata forwarded to the agent. Headers
 * that belong to one HTTP/2 hop or to gRPC's framing are not forwarded (the next hop sets its
 * own), nor are `vmrpc-*` keys: they are the project's, and an agent must not see a caller
 * speak for the host.
 */
import type { IncomingHttpHeaders } from 'node:http2';
import { Metadata } from '@grpc/grpc-js';

/** The metadata key that addresses a call to an agent through the gateway: `vmrpc-agent: <id>`. */
export const GATEWAY_AGENT_METADATA = 'vmrpc-agent';

/**
 * Metadata key asking the gateway to wait up to this many milliseconds (`vmrpc-agent-wait: 30000`)
 * for an agent that is not online, rather than fail at once with UNAVAILABLE.
 */
export const GATEWAY_WAIT_METADATA = 'vmrpc-agent-wait';

const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'host',
  'content-type', 'user-agent', 'grpc-timeout', 'grpc-encoding', 'grpc-accept-encoding',
  'grpc-status', 'grpc-message', 'grpc-status-details-bin',
]);

const TIMEOUT_UNITS: Record<string, number> = { H: 3_600_000, M: 60_000, S: 1000, m: 1, u: 0.001, n: 0.000001 };

/** The deadline (ms since the epoch) of a `grpc-timeout` header, Infinity without one, undefined if malformed. */
export function deadlineOf(headers: IncomingHttpHeaders, now = Date.now()): number | undefined {
  const value = headers['grpc-timeout'];
  if (value === undefined) return Infinity;
  const match = typeof value === 'string' ? /^(\d{1,8})([HMSmun])$/.exec(value) : null;
  if (match === null) return undefined;
  return now + Number(match[1]) * TIMEOUT_UNITS[match[2]!]!;
}

/** The agent id a request names, if any. */
export function agentIdOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers[GATEWAY_AGENT_METADATA];
  return typeof value === 'string' ? value : Array.isArray(value) ? value[0] : undefined;
}

/** How the caller compressed the messages it marks compressed (`grpc-encoding`), if it says. */
export function encodingOf(headers: IncomingHttpHeaders): string | undefined {
  const value = headers['grpc-encoding'];
  return typeof value === 'string' ? value : undefined;
}

/** How long the caller lets the gateway wait for the agent (ms; 0 without the key), undefined if malformed. */
export function waitOf(headers: IncomingHttpHeaders): number | undefined {
  const value = headers[GATEWAY_WAIT_METADATA];
  if (value === undefined) return 0;
  return typeof value === 'string' && /^\d{1,9}$/.test(value) ? Number(value) : undefined;
}

/**
 * The caller's metadata as the next hop gets it (`forAgent`: leave out `vmrpc-*` keys too), from
 * the raw header list: node:http2 joins repeated headers into one string, and a key sent twice
 * must arrive as two values.
 */
export function forwardedMetadata(rawHeaders: readonly string[], forAgent: boolean): Metadata {
  const metadata = new Metadata();
  for (let index = 0; index + 1 < rawHeaders.length; index += 2) {
    const key = rawHeaders[index]!.toLowerCase();
    const value = rawHeaders[index + 1]!;
    if (key.startsWith(':') || HOP_BY_HOP.has(key) || (forAgent && key.startsWith('vmrpc-'))) continue;
    if (key.endsWith('-bin')) for (const part of value.split(',')) metadata.add(key, Buffer.from(part.trim(), 'base64'));
    else metadata.add(key, value);
  }
  return metadata;
}
