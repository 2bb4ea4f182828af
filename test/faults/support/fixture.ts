/** A fault-service server on a carrier and clients of it, closed together by the test. */
import { closeClient, createClient, type Client, type ClientOptions, type RpcServer, type ServerOptions } from '@vmrpc/rpc';
import type { ListenOptions } from '@vmrpc/transport';
import { ConformanceService } from '../../rpc/generated/vmrpc/testing/v1/conformance.js';
import { endpoint, serveGrpc, type CarrierKind, type Endpoint, type Served } from './carriers.js';
import { faultServer, newServiceLog, type ServiceLog } from './fault-service.js';

export type FaultClient = Client<typeof ConformanceService>;

export class GrpcFixture {
  readonly log: ServiceLog = newServiceLog();
  readonly server: RpcServer;
  readonly clients: FaultClient[] = [];
  private served: Served | undefined;

  constructor(
    readonly at: Endpoint,
    serverOptions: ServerOptions = {},
  ) {
    this.server = faultServer(this.log, serverOptions);
  }

  static async start(kind: CarrierKind, name: string, listen: ListenOptions = {}, serverOptions: ServerOptions = {}): Promise<GrpcFixture> {
    const fixture = new GrpcFixture(endpoint(kind, name), serverOptions);
    await fixture.serve(listen);
    return fixture;
  }

  async serve(listen: ListenOptions = {}): Promise<void> {
    this.served = await serveGrpc(this.at, this.server.grpcServer, listen);
  }

  get refused(): number {
    return this.served?.refused ?? 0;
  }

  client(options: ClientOptions = {}): FaultClient {
    const client = createClient(ConformanceService, this.at.dial, options);
    this.clients.push(client);
    return client;
  }

  /** Closes the clients, the listener (no grace) and the server. */
  async close(): Promise<void> {
    for (const client of this.clients.splice(0)) closeClient(client);
    await this.served?.close(0);
    this.served = undefined;
    this.server.grpcServer.forceShutdown();
  }
}
