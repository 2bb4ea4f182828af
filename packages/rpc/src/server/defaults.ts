/**
 * The grpc-js server options createServer() starts from: each bounds what one peer can make the
 * server hold or do (docs/security.md names the threat each one answers). `options.grpc` given to
 * createServer() overrides them key by key.
 */
import type { ChannelOptions } from '@grpc/grpc-js';

/** The grpc-js server options createServer() uses unless `options.grpc` sets the same key. */
export const serverDefaults: Readonly<ChannelOptions> = Object.freeze({
  // A received message is buffered whole before it is decoded: bound it (4 MiB, as gRPC's own default).
  'grpc.max_receive_message_length': 4 * 1024 * 1024,
  // Streams (calls) open at once on one connection; more wait in the client until one ends.
  'grpc.max_concurrent_streams': 256,
  // Ping an idle peer every 2 minutes and drop it after 20 s without an answer: a frozen or
  // vanished guest whose connection never closed stops holding its calls and descriptors.
  'grpc.keepalive_time_ms': 120_000,
  'grpc.keepalive_timeout_ms': 20_000,
});
