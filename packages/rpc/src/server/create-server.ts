/**
 * createServer(): typed implementations on a grpc-js Server that listens on VM sockets through
 * @vmrpc/transport, so moving a service from `unix:` to `vsock:` or `hvsock:` changes only the
 * target given to listen().
 */
import { Server, type ChannelOptions, type UntypedServiceImplementation } from '@grpc/grpc-js';
import type { VmAddress } from '@vmrpc/native';
import { listen, type ListenOptions, type VmGrpcListener } from '@vmrpc/transport';
import type { MethodDescriptor, ServiceDescriptor } from '../descriptor';
import { ReflectionRegistry } from '../reflection/registry';
import {
  bidiStreamingHandler,
  clientStreamingHandler,
  serverStreamingHandler,
  unaryHandler,
  type BidiStreamingHandler,
  type ClientStreamingHandler,
  type ServerStreamingHandler,
  type UnaryHandler,
} from './handlers';
import { serverDefaults } from './defaults';
import type { ServiceImplementation } from './implementation';

export type { ServerMethod, ServiceImplementation } from './implementation';
import type { ServerErrorListener } from './status';

/** Options of createServer(). */
export interface ServerOptions {
  /**
   * grpc-js server options (message size limits, keepalive...), on top of {@link serverDefaults}:
   * 4 MiB received messages, 256 concurrent calls per connection, keepalive pings after 2 minutes.
   */
  grpc?: ChannelOptions;
  /** Told of handler errors that are not RpcError (the peer gets INTERNAL without them); use it to log. */
  onError?: ServerErrorListener;
  /**
   * Serve gRPC server reflection (`grpc.reflection.v1.ServerReflection` and `v1alpha`) for the
   * services added with add(), so `vmrpc list`, `vmrpc call` and grpcurl need no .proto files.
   * Default true; false leaves it out.
   */
  reflection?: boolean;
}

/** A server of typed services (what createServer() returns). */
export interface RpcServer {
  /** Serves `service` with `implementation`; call before or after listen(). */
  add<S extends ServiceDescriptor>(service: S, implementation: ServiceImplementation<S>): this;
  /** Accepts connections on a target (`unix:PATH`, `vsock:any:PORT`, `hvsock:...`); callable more than once. */
  listen(target: string | VmAddress, options?: ListenOptions): Promise<VmGrpcListener>;
  /** Stops every listener, lets calls finish for up to `graceMs` (default 5000), then closes the rest. */
  close(graceMs?: number): Promise<void>;
  /** The underlying grpc-js Server, for interceptors or services added the grpc-js way. */
  readonly grpcServer: Server;
}

function handlerFor(method: MethodDescriptor<unknown, unknown, boolean, boolean>, implementation: unknown, name: string, onError: ServerErrorListener | undefined) {
  if (typeof implementation !== 'function') throw new TypeError(`the implementation has no function for ${name} (${method.path})`);
  const fn = implementation;
  if (!method.requestStream && !method.responseStream) return unaryHandler(fn as UnaryHandler<unknown, unknown>, onError);
  if (!method.requestStream) return serverStreamingHandler(fn as ServerStreamingHandler<unknown, unknown>, onError);
  if (!method.responseStream) return clientStreamingHandler(fn as ClientStreamingHandler<unknown, unknown>, onError);
  return bidiStreamingHandler(fn as BidiStreamingHandler<unknown, unknown>, onError);
}

/** A server for typed services over VM sockets; add() services, then listen() on targets. */
export function createServer(options: ServerOptions = {}): RpcServer {
  const grpcServer = new Server({ ...serverDefaults, ...options.grpc });
  const listeners: VmGrpcListener[] = [];
  const reflection = options.reflection === false ? undefined : new ReflectionRegistry();
  let closed = false;
  const server: RpcServer = {
    grpcServer,
    add(service, implementation) {
      const handlers: UntypedServiceImplementation = {};
      const methods: Record<string, unknown> = implementation;
      for (const [name, method] of Object.entries(service)) {
        // Bind so class-based implementations keep their `this`.
        const fn = methods[name];
        handlers[name] = handlerFor(method, typeof fn === 'function' ? fn.bind(implementation) : fn, name, options.onError);
      }
      grpcServer.addService(service, handlers);
      reflection?.record(service);
      return server;
    },
    async listen(target, listenOptions) {
      if (closed) throw new Error('the server is closed');
      const listener = await listen(grpcServer, target, listenOptions);
      listeners.push(listener);
      return listener;
    },
    async close(graceMs = 5000) {
      closed = true;
      await Promise.all(listeners.splice(0).map((listener) => listener.close(graceMs)));
      grpcServer.forceShutdown();
    },
  };
  for (const [service, implementation] of reflection?.reflectionServices() ?? []) server.add(service, implementation);
  return server;
}
