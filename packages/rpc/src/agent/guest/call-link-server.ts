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

  /** GOAWAY on every link, then waits up to `graceMs` for them to close; the rest are destroyed. */
  async drain(graceMs: number): Promise<void> {
    this.injector.drain(graceMs);
    const deadline = Date.now() + graceMs;
    while (this.sockets.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    this.injector.destroy();
    for (const socket of this.sockets) socket.destroy();
  }
}
