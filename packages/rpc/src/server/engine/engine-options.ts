/**
 * Which grpc-js server options the engine server honours, and what they become there. An option
 * it does not know (an interceptor list, channelz, connection ages...) means the engine cannot
 * serve as grpc-js would: the agent layer then serves call links with grpc-js instead.
 */
import type { ChannelOptions } from '@grpc/grpc-js';
import type { H2Settings } from '@vmrpc/transport';
import type { CallLimits } from './engine-call';

export interface EngineServerOptions {
  readonly limits: CallLimits;
  readonly settings: H2Settings;
  /** Ping every `timeMs`; a ping unanswered after `timeoutMs` ends the connection. Absent: no keepalive. */
  readonly keepalive: { readonly timeMs: number; readonly timeoutMs: number } | undefined;
  /** A connection's first SETTINGS must arrive within this many ms (H2SessionOptions.settingsTimeoutMs). */
  readonly handshakeTimeoutMs: number;
}

const MAX_HEADER_LIST_BYTES = 65535;

const HONOURED = new Set([
  'grpc.max_receive_message_length',
  'grpc.max_send_message_length',
  'grpc.max_concurrent_streams',
  'grpc.keepalive_time_ms',
  'grpc.keepalive_timeout_ms',
]);

/** An empty list (no interceptors) asks for nothing the engine lacks. */
function isEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length === 0;
}

/** grpc-js's limit convention: -1 (or absent) is no limit. */
function limit(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  return typeof value === 'number' && value >= 0 ? value : Infinity;
}

/** The options the engine server runs with, or the keys of `grpc` it cannot honour. */
export function engineOptionsOf(grpc: Readonly<ChannelOptions>, handshakeTimeoutMs: number): EngineServerOptions | { unsupported: string[] } {
  const unsupported = Object.keys(grpc).filter((key) => !HONOURED.has(key) && grpc[key] !== undefined && !isEmptyList(grpc[key]));
  if (unsupported.length > 0) return { unsupported };
  const keepaliveTimeMs = grpc['grpc.keepalive_time_ms'] as number | undefined;
  const maxStreams = grpc['grpc.max_concurrent_streams'] as number | undefined;
  return {
    // grpc-js's own defaults where the options leave a key out: 4 MiB received, no send limit.
    limits: { maxReceiveBytes: limit(grpc['grpc.max_receive_message_length'], 4 * 1024 * 1024), maxSendBytes: limit(grpc['grpc.max_send_message_length'], Infinity) },
    // Header lists up to 64 KiB, as node:http2 (and so grpc-js's server) accepts by default.
    settings: { maxHeaderListSize: MAX_HEADER_LIST_BYTES, ...(maxStreams === undefined ? {} : { maxConcurrentStreams: maxStreams }) },
    handshakeTimeoutMs,
    keepalive: keepaliveTimeMs !== undefined && keepaliveTimeMs > 0 ? { timeMs: keepaliveTimeMs, timeoutMs: (grpc['grpc.keepalive_timeout_ms'] as number | undefined) ?? 20_000 } : undefined,
  };
}
