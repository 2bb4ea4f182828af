/**
 * @vmrpc/transport: stock grpc-js clients and servers over VM sockets.
 *
 * Client: `new Client(target, credentials, clientOptions('vsock:3:5000'))`, or
 * `{ channelOverride: createChannel(target, options) }`.
 * Server: `await listen(server, 'vsock:any:5000', { authorize })`.
 */
export { VmChannel, clientOptions, createChannel, type ConnectionWaiter } from './client/channel';
export type { StreamOpener } from './client/call-transport';
export type { ChannelTarget, SocketFactory } from './client/connector';
export type { VmChannelOptions } from './client/options';
export { listen, type ListenOptions, type VmGrpcListener } from './server/listen';
export { serverSocket } from './server/server-socket';
export { injectConnection, type ConnectionInjector } from './server/inject';
export { PeerCounter, peerIdentity } from './server/peer-identity';
export { awaitPreface, HTTP2_CLIENT_PREFACE } from './server/client-preface';
export { Backoff, type BackoffOptions } from './protocol/backoff';
/** The version of @vmrpc/transport. */
export const version = '0.1.0';
