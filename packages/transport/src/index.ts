/**
 * @vmrpc/transport: stock grpc-js clients and servers over VM sockets.
 *
 * Client: `new Client(target, credentials, clientOptions('vsock:3:5000'))`, or
 * `{ channelOverride: createChannel(target, options) }`.
 * Server: `await listen(server, 'vsock:any:5000', { authorize })`.
 * Any other server (an http.Server, ...): `admitConnections(vmServer, options, onAdmitted)`.
 */
export { VmChannel, clientOptions, createChannel, type ConnectionWaiter } from './client/channel';
export type { CallConnection, ChannelConnection, ChannelConnectionEvents, StreamOpener } from './client/call-transport';
export type { ChannelTarget, SocketFactory } from './client/connector';
export type { Http2Engine, VmChannelOptions } from './client/options';
/** One HTTP/2 client session over a connected stream, as the channel opens it (the CLI's ping uses it). */
export { Http2Connection, type ConnectionEvents as Http2ConnectionEvents, type ConnectionOptions as Http2ConnectionOptions } from './client/connection';
export { listen, type ListenOptions, type VmGrpcListener } from './server/listen';
export { serverSocket } from './server/server-socket';
export { injectConnection, type ConnectionInjector } from './server/inject';
export { PeerCounter, peerIdentity } from './server/peer-identity';
export { awaitPreface, HTTP2_CLIENT_PREFACE, TLS_HANDSHAKE_RECORD } from './server/client-preface';
export {
  admitConnections,
  authorizeWithin,
  countedAddress,
  grpcHandshake,
  type Admission,
  type AdmissionOptions,
  type AdmittedConnection,
  type ConnectionAuthorizer,
  type Handshake,
} from './server/admission';
export { Backoff, checkBackoff, type BackoffOptions } from './protocol/backoff';
/** gRPC's wire values for code that speaks gRPC on the HTTP/2 engine (the agent's own server): grpc-timeout, grpc-message, timer bounds. */
export { checkTimerMs, formatGrpcTimeout, parseGrpcTimeout, MAX_TIMER_MS } from './protocol/deadline';
/** One Node timer for the deadlines of many calls (a channel's; a server connection's may share it). */
export { DeadlineTimer, type DeadlineHolder, type DeadlineTimerOptions } from './protocol/deadline-timer';
export { decodeGrpcMessage, encodeGrpcMessage } from './protocol/status';
/** gRPC's length-prefixed message framing, for code that forwards raw messages (the agent gateway). */
export { FRAME_HEADER_BYTES, FrameDecoder, FrameError, frameMessage, writeFrameHeader, type DecodedFrame, type FrameSink } from './protocol/framing';
/** Keepalive PINGs of one HTTP/2 connection (grpc-js's `grpc.keepalive_*` semantics), for servers on the HTTP/2 engine. */
export { Keepalive, type KeepaliveOptions, type PingedConnection } from './protocol/keepalive';
/** The version of @vmrpc/transport. */
export const version = '0.1.0';
/** The lean HTTP/2 engine (RFC 9113 framing, RFC 7541 HPACK) with plain-callback streams. */
export { createH2Session } from './h2/session';
export { ERR_CLOSED as ERR_H2_SESSION_CLOSED, ERR_GOAWAY as ERR_H2_GOAWAY, ERR_PROTOCOL as ERR_H2_PROTOCOL, type H2Error } from './h2/errors';
export {
  H2ErrorCode,
  type H2PeerSettings,
  type H2Session,
  type H2SessionOptions,
  type H2Settings,
  type H2Stream,
  type H2StreamListener,
  type HeaderList,
} from './h2/types';
