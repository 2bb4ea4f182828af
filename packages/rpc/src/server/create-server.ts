/**
 * createServer(): typed implementations on a grpc-js Server that listens on VM sockets through
 * @vmrpc/transport, so moving a service from `unix:` to `vsock:` or `hvsock:` changes only the
 * target given to listen().
 */
import { Server, type ChannelOptions, type UntypedHandleCall } from '@grpc/grpc-js';
import type { VmAddress } from '@vmrpc/native';
import { listen, type ListenOptions, type VmGrpcListener } from '@vmrpc/transport';
import type { ServiceDescriptor } from '../descriptor';
import { ReflectionRegistry } from '../reflection/registry';
import { serverDefaults } from './defaults';
import { grpcHandler, grpcServiceDefinition } from './grpc-calls';
import { MethodTable } from './method-table';
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
  /**
   * A connection the agent's engine server serves (call links, `directCalls` listeners) must send
   * its HTTP/2 SETTINGS within this many ms of its preface, else it is closed with
   * GOAWAY(SETTINGS_TIMEOUT): a peer that connects and goes silent holds nothing for long.
   * Default 20000 (as the channel's handshakeTimeoutMs). Listeners served by grpc-js have their
   * own handshake bound (ListenOptions).
   */
  handshakeTimeoutMs?: number;
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

/** What the agent layer needs of a server beyond RpcServer: its methods and options, to serve connections on the engine. */
export interface ServingRpcServer extends RpcServer {
  readonly methods: MethodTable;
  /** The grpc-js options in force: serverDefaults with `options.grpc` over them. */
  readonly grpcOptions: Readonly<ChannelOptions>;
  readonly onError: ServerErrorListener | undefined;
  /** ServerOptions.handshakeTimeoutMs, resolved. */
  readonly handshakeTimeoutMs: number;
}

const DEFAULT_HANDSHAKE_TIMEOUT_MS = 20_000;

/** A server for typed services over VM sockets; add() services, then listen() on targets. */
export function createServer(options: ServerOptions = {}): RpcServer {
  return createServingServer(options);
}

/** createServer() for the agent layer: the same server, with its method table in view. */
export function createServingServer(options: ServerOptions = {}): ServingRpcServer {
  const grpcOptions: ChannelOptions = Object.freeze({ ...serverDefaults, ...options.grpc });
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? DEFAULT_HANDSHAKE_TIMEOUT_MS;
  if (typeof handshakeTimeoutMs !== 'number' || !(handshakeTimeoutMs > 0) || !Number.isFinite(handshakeTimeoutMs)) {
    throw new RangeError(`options.handshakeTimeoutMs must be a positive number of ms (got ${String(handshakeTimeoutMs)}); the default is ${DEFAULT_HANDSHAKE_TIMEOUT_MS}`);
  }
  const grpcServer = new Server(grpcOptions);
  const methods = new MethodTable();
  const listeners: VmGrpcListener[] = [];
  const reflection = options.reflection === false ? undefined : new ReflectionRegistry();
  let closed = false;
  const server: ServingRpcServer = {
    grpcServer,
    methods,
    grpcOptions,
    onError: options.onError,
    handshakeTimeoutMs,
    add(service, implementation) {
      const entries = methods.entriesOf(service, implementation, options.onError);
      const handlers: Record<string, UntypedHandleCall> = {};
      for (const [name, entry] of entries) handlers[name] = grpcHandler(entry);
      // grpc-js refuses a path served twice: the table takes the entries only once it agreed.
      grpcServer.addService(grpcServiceDefinition(service, options.onError), handlers);
      methods.commit(entries);
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
