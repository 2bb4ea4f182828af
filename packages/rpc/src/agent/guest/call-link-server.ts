/**
 * The agent's side of call links: the agent's gRPC server takes each link (the host is the
 * HTTP/2 client on it) and drains them on shutdown: GOAWAY first, so calls in progress finish
 * within the grace period and no new ones start.
 */
import type { Duplex } from 'node:stream';
import { ServerCredentials } from '@grpc/grpc-js';
import type { RpcServer } from '../../server/create-server';
import { injectConnection } from '@vmrpc/transport';

export class CallLinkServer {
  private readonly injector;
  private readonly sockets = new Set<Duplex>();
  private draining: Promise<void> | undefined;

  constructor(server: RpcServer) {
    this.injector = server.grpcServer.createConnectionInjector(ServerCredentials.createInsecure());
  }

  get openLinks(): number {
    return this.sockets.size;
  }

  serve(socket: Duplex, peer: string): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    injectConnection(this.injector, socket, peer);
  }

  /** GOAWAY on every link, then waits up to `graceMs` for them to close; the rest are destroyed. Once. */
  drain(graceMs: number): Promise<void> {
    this.draining ??= this.drainWithin(graceMs);
    return this.draining;
  }

  private async drainWithin(graceMs: number): Promise<void> {
    this.injector.drain(graceMs);
    const closed = [...this.sockets].map((socket) => new Promise<void>((resolve) => socket.once('close', () => resolve())));
    let timer: NodeJS.Timeout | undefined;
    const grace = new Promise<void>((resolve) => (timer = setTimeout(resolve, graceMs)));
    await Promise.race([Promise.all(closed), grace]);
    clearTimeout(timer);
    this.injector.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}
