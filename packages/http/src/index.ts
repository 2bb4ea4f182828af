/**
 * @vmrpc/http: Node's HTTP stack and the libraries built on it, over VM sockets.
 *
 * Clients: {@link VmHttpAgent} / {@link VmHttpsAgent} for http.request, https.request, `ws` and
 * Connect-RPC's HTTP/1.1 transports; {@link http2Connector} for http2.connect and Connect-RPC's
 * HTTP/2 transports; `@vmrpc/http/undici` for fetch. Servers: {@link serve} puts any
 * http.Server, https.Server or http2 server (Express, Fastify, Koa, Connect routers, `ws`) on a
 * VM socket listener, and {@link peerOf} tells a handler which VM is calling.
 */
export { VmHttpAgent, VmHttpsAgent, type VmAgentOptions, type VmAgentRequestOptions, type VmRequestOptions } from './client/agent';
export { http2Connector, openVmSocket, type VmConnectOptions, type VmTlsOptions } from './client/connection';
export type { RequestOrigin, TargetOption, TargetResolver, VmTarget } from './target';
/** The version of @vmrpc/http. */
export const version = '0.1.0';
export { serve, type AdmissionOptions, type ServeOptions, type VmHttpListener } from './server/serve';
export { peerOf, type PeerSource } from './server/peer';
