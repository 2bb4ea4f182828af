/**
 * Options of a VM channel: how to connect (the @vmrpc/native connect options), the credentials,
 * and grpc-js's own channel options, of which these keys are honoured:
 *
 *   grpc.max_send_message_length, grpc.max_receive_message_length (-1: unlimited)
 *   grpc.keepalive_time_ms, grpc.keepalive_timeout_ms, grpc.keepalive_permit_without_calls
 *   grpc.initial_reconnect_backoff_ms, grpc.max_reconnect_backoff_ms
 *   grpc.default_authority, grpc.ssl_target_name_override, grpc.primary_user_agent,
 *   grpc.secondary_user_agent, grpc-node.max_session_memory (node:http2 connections only)
 *   grpc.enable_retries (0: no transparent retry), grpc.per_rpc_retry_buffer_size (bytes a
 *   client stream may hold for its transparent retry; default 256 KiB)
 */
import type { ChannelCredentials, ChannelOptions } from '@grpc/grpc-js';
import type { ConnectOptions } from '@vmrpc/native';
import { checkTimerMs } from '../protocol/deadline';

/** Options of createChannel() and clientOptions(). */
export interface VmChannelOptions {
  /** How each connection is opened (timeout, data path, toHost, buffer size). `signal` is the channel's own. */
  connect?: Omit<ConnectOptions, 'signal'>;
  /** Channel credentials: insecure by default; createSsl() runs TLS over the VM socket. */
  credentials?: ChannelCredentials;
  /** grpc-js channel options (see the list above). */
  grpc?: ChannelOptions;
  /**
   * How the channel names its peer when the target is a socket factory: in errors ("Failed to
   * connect to NAME", "Connection to NAME dropped"), `getTarget()` and calls' `getPeer()`.
   * Default `custom`. Targets given as strings or addresses are named by their target string.
   */
  name?: string;
  /** Give up on a connection whose HTTP/2 handshake (the server's SETTINGS) takes longer. Default 20000 ms. */
  handshakeTimeoutMs?: number;
  /**
   * Which HTTP/2 implementation runs the channel's connections: `'vmrpc'` (@vmrpc/transport's
   * own engine: plain-callback streams, less CPU per call; the default) or `'node'`
   * (node:http2, the opt-out; needed for `grpc-node.max_session_memory`). The wire is standard
   * gRPC over HTTP/2 either way, so any server works with either; calls behave alike (the
   * channel suites run on both).
   */
  http2?: Http2Engine;
}

/** The HTTP/2 implementations a channel can run on. */
export type Http2Engine = 'node' | 'vmrpc';

/** The engine a channel runs on when `http2` is not given. */
export const DEFAULT_HTTP2_ENGINE: Http2Engine = 'vmrpc';

/**
 * The engine: as given, else the default, except that a channel given node:http2's own session
 * memory bound (`grpc-node.max_session_memory`) and no engine runs on node:http2, which honours it
 * (the vmrpc engine bounds its memory by its windows and limits instead).
 */
export function resolveHttp2Engine(value: unknown, grpcOptions?: ChannelOptions): Http2Engine {
  if (value === undefined) return grpcOptions?.['grpc-node.max_session_memory'] === undefined ? DEFAULT_HTTP2_ENGINE : 'node';
  if (value === 'node' || value === 'vmrpc') return value;
  throw new TypeError(`options.http2 must be 'node' or 'vmrpc' (got ${JSON.stringify(value)})`);
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;

/** `handshakeTimeoutMs`: a whole bound a Node timer can hold (Infinity or 2^31 ms would fire at once). */
export function resolveHandshakeTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_HANDSHAKE_TIMEOUT_MS;
  return checkTimerMs('options.handshakeTimeoutMs', value);
}

/** The options resolved to values, read once per channel. */
export interface ResolvedChannelOptions {
  maxSendMessageBytes: number;
  maxReceiveMessageBytes: number;
  keepaliveTimeMs: number;
  keepaliveTimeoutMs: number;
  keepalivePermitWithoutCalls: boolean;
  initialBackoffMs: number;
  maxBackoffMs: number;
  authority: string;
  userAgent: string;
  maxSessionMemory: number;
  /** Bytes of sent messages a call keeps for a transparent retry; -1: calls are never retried. */
  retryBufferBytes: number;
}

const DEFAULT_MAX_RECEIVE = 4 * 1024 * 1024;
/** grpc-js's default grpc.per_rpc_retry_buffer_size. */
const DEFAULT_RETRY_BUFFER = 256 * 1024;
const UNLIMITED = 0x7fffffff;

function numberOption(options: ChannelOptions, key: string, fallback: number): number {
  const value = options[key];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || Number.isNaN(value)) throw new TypeError(`channel option ${key} must be a number (got ${JSON.stringify(value)})`);
  return value;
}

/** A reconnect backoff bound: 0 would redial in a tight loop, past 2^31-1 ms a timer fires after 1 ms. */
function backoffMs(options: ChannelOptions, key: string, fallback: number): number {
  return checkTimerMs(`channel option ${key}`, numberOption(options, key, fallback));
}

function sizeLimit(options: ChannelOptions, key: string, fallback: number): number {
  const value = numberOption(options, key, fallback);
  return value < 0 ? UNLIMITED : value;
}

export function resolveOptions(grpcOptions: ChannelOptions = {}): ResolvedChannelOptions {
  const authority = grpcOptions['grpc.default_authority'];
  const primary = grpcOptions['grpc.primary_user_agent'];
  const secondary = grpcOptions['grpc.secondary_user_agent'];
  const agent = [primary, 'vmrpc-transport/0.1.0', secondary].filter((part) => typeof part === 'string' && part.length > 0).join(' ');
  return {
    maxSendMessageBytes: sizeLimit(grpcOptions, 'grpc.max_send_message_length', UNLIMITED),
    maxReceiveMessageBytes: sizeLimit(grpcOptions, 'grpc.max_receive_message_length', DEFAULT_MAX_RECEIVE),
    keepaliveTimeMs: numberOption(grpcOptions, 'grpc.keepalive_time_ms', 0),
    keepaliveTimeoutMs: numberOption(grpcOptions, 'grpc.keepalive_timeout_ms', 20_000),
    keepalivePermitWithoutCalls: numberOption(grpcOptions, 'grpc.keepalive_permit_without_calls', 0) === 1,
    initialBackoffMs: backoffMs(grpcOptions, 'grpc.initial_reconnect_backoff_ms', 1000),
    maxBackoffMs: backoffMs(grpcOptions, 'grpc.max_reconnect_backoff_ms', 120_000),
    authority: typeof authority === 'string' ? authority : 'localhost',
    userAgent: agent,
    maxSessionMemory: numberOption(grpcOptions, 'grpc-node.max_session_memory', Number.MAX_SAFE_INTEGER),
    retryBufferBytes: numberOption(grpcOptions, 'grpc.enable_retries', 1) === 0 ? -1 : retryBufferSize(grpcOptions),
  };
}

function retryBufferSize(options: ChannelOptions): number {
  const value = numberOption(options, 'grpc.per_rpc_retry_buffer_size', DEFAULT_RETRY_BUFFER);
  if (value < 0) throw new RangeError(`channel option grpc.per_rpc_retry_buffer_size must be a number of bytes, 0 or more (got ${value})`);
  return value;
}
