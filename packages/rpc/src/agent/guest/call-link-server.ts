/**
 * The agent's side of call links: the agent serves each link (the host is the HTTP/2 client on
 * it) and drains them on shutdown: GOAWAY first, so calls in progress finish within the grace
 * period and no new ones start.
 *
 * Links are served by the rpc server's own gRPC server on @vmrpc/transport's HTTP/2 engine
 * (server/engine/), which runs the same handlers without node:http2 and grpc-js's Server. When
 * the agent's `server.grpc` options hold something the engine cannot honour (grpc-js server
 * interceptors, or any option besides the message size limits, concurrent streams and
 * keepalive), the links go to the grpc-js Server instead, through its connection injector.
 */
import type { Duplex } from 'node:stream';
import { ServerCredentials } from '@grpc/grpc-js';
import { injectConnection } from '@vmrpc/transport';
import type { ServingRpcServer } from '../../server/create-server';
import { EngineServer } from '../../server/engine/engine-server';
import { engineOptionsOf } from '../../server/engine/engine-options';
import { boundedGraceMs, graceTimerMs } from '../util/grace';

/** What serves the links' HTTP/2: the engine server, or grpc-js's Server. */
interface LinkServer {
  /** HTTP/2 streams open on the links (undefined: grpc-js does not tell). */
  readonly activeStreams: number | undefined;
  serve(socket: Duplex, peer: string): void;
  drain(graceMs: number): void;
  destroy(): void;
}

class EngineLinks implements LinkServer {
  constructor(private readonly engine: EngineServer) {}

  get activeStreams(): number {
    return this.engine.activeStreams;
  }

  serve(socket: Duplex, peer: string): void {
    this.engine.serve(socket, peer);
  }

  drain(): void {
    this.engine.drain();
  }

  destroy(): void {
    this.engine.destroy();
  }
}

class GrpcLinks implements LinkServer {
  private readonly injector;
  readonly activeStreams = undefined;

  constructor(server: ServingRpcServer) {
    this.injector = server.grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  }

  serve(socket: Duplex, peer: string): void {
    injectConnection(this.injector, socket, peer);
  }

  drain(graceMs: number): void {
    this.injector.drain(boundedGraceMs(graceMs));
  }

  destroy(): void {
    this.injector.destroy();
  }
}

export class CallLinkServer {
  private readonly links: LinkServer;
  private readonly sockets = new Set<Duplex>();
  private draining: Promise<void> | undefined;
  /** Why links are served by grpc-js rather than the engine (the options it cannot honour); undefined on the engine. */
  readonly grpcFallback: string | undefined;

  constructor(server: ServingRpcServer) {
    const options = engineOptionsOf(server.grpcOptions, server.handshakeTimeoutMs);
    if ('unsupported' in options) {
      this.grpcFallback = `server.grpc has options the engine server does not honour: ${options.unsupported.join(', ')}`;
      this.links = new GrpcLinks(server);
    } else {
      this.grpcFallback = undefined;
      this.links = new EngineLinks(new EngineServer(server.methods, options));
    }
  }

  get openLinks(): number {
    return this.sockets.size;
  }

  /** HTTP/2 streams open on the links served by the engine (undefined on the grpc-js fallback). */
  get activeStreams(): number | undefined {
    return this.links.activeStreams;
  }

  serve(socket: Duplex, peer: string): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    this.links.serve(socket, peer);
  }

  /** GOAWAY on every link, then waits up to `graceMs` for them to close; the rest are destroyed. Once. */
  drain(graceMs: number): Promise<void> {
    this.draining ??= this.drainWithin(graceMs);
    return this.draining;
  }

  private async drainWithin(graceMs: number): Promise<void> {
    this.links.drain(graceMs);
    const closed = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    let timer: NodeJS.Timeout | undefined;
    const timerMs = graceTimerMs(graceMs);
    const grace = timerMs === undefined ? [] : [new Promise<void>((resolve) => (timer = setTimeout(resolve, timerMs)))];
    await Promise.race([Promise.all(closed), ...grace]);
    clearTimeout(timer);
    this.links.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}
