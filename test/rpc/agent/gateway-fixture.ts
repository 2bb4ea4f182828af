/**
 * What the gateway suites share: an agent service that moves bytes in every streaming shape
 * (vmrpc.testing.v1.Conformance, answers carry checksums), and a host with an admin gateway
 * listener and an agent registered with it.
 */
import { createHash } from 'node:crypto';
import * as grpc from '@grpc/grpc-js';
import { AgentHost, GuestAgent, RpcError, Status, closeClient, createClient, type AgentHostOptions, type Client } from '@vmrpc/rpc';
import { socketPath, within } from '../../support/checks.js';
import { ConformanceService, Response, type ConformanceServiceImplementation } from '../generated/vmrpc/testing/v1/conformance.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation, type ServerLog } from '../streaming-service.js';
import { FAST } from './agent-suite.js';

/** The payload of server-stream response `index` (deterministic, so the caller can check it). */
export function chunkOf(index: number, size: number): Buffer {
  return Buffer.alloc(size, createHash('sha256').update(`chunk ${index}`).digest());
}

export interface BulkLog {
  /** Server-stream responses the agent has produced so far (backpressure test). */
  produced: number;
}

export function bulkImplementation(log: BulkLog): ConformanceServiceImplementation {
  return {
    unary: (request) => {
      if (request.statusCode !== 0) throw new RpcError(request.statusCode, request.statusMessage);
      return { payload: request.payload, bytesReceived: BigInt(request.payload.length) };
    },
    async *serverStream(request) {
      for (let index = 0; index < request.responseCount; index++) {
        log.produced++;
        yield { payload: chunkOf(index, request.responseSize), index };
      }
    },
    async clientStream(requests) {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const request of requests) {
        hash.update(request.payload);
        bytes += request.payload.length;
      }
      return { payload: hash.digest(), bytesReceived: BigInt(bytes) };
    },
    async *bidi(requests) {
      let index = 0;
      for await (const request of requests) yield { payload: request.payload, index: index++ };
    },
  };
}

export interface GatewayFixture {
  host: AgentHost;
  agent: GuestAgent;
  /** The admin gateway listener (a Unix socket). */
  admin: string;
  /** The listener agents register on. */
  agents: string;
  log: ServerLog;
  bulk: BulkLog;
  /** A typed client of `service` on agent `id` through the gateway (closed by close()). */
  through<S extends typeof ConformanceService | typeof StreamingService>(service: S, id?: string): Client<S>;
  close(): Promise<void>;
}

/** Where the fixture listens and connects; unix: sockets by default. */
export interface GatewayTargets {
  /** The listener agents register on, and the target the agent dials. */
  agentsListen: string;
  agentsConnect: string;
  /** The target callers dial for the admin gateway listener, and where it listens (default: the same). */
  admin: string;
  adminListen?: string;
}

export function unixTargets(): GatewayTargets {
  const agents = `unix:${socketPath('gw-agents')}`;
  return { agentsListen: agents, agentsConnect: agents, admin: `unix:${socketPath('gw-admin')}` };
}

export async function gatewayFixture(hostOptions: AgentHostOptions = {}, targets: GatewayTargets = unixTargets(), agentId = 'vm-gw'): Promise<GatewayFixture> {
  const { admin, agentsConnect: agents } = targets;
  const host = new AgentHost({ ...FAST, ...hostOptions });
  await host.listen(targets.agentsListen);
  await host.listen(targets.adminListen ?? admin, { admin: true, gateway: true });
  const log = newLog();
  const bulk: BulkLog = { produced: 0 };
  const agent = new GuestAgent({ id: agentId, reconnect: { initialMs: 50, maxMs: 200 }, registrationTimeoutMs: 2000 })
    .add(ConformanceService, bulkImplementation(bulk))
    .add(StreamingService, streamingImplementation(log));
  await within(5000, 'agent registers', agent.connect(agents));
  const clients: object[] = [];
  return {
    host,
    agent,
    admin,
    agents,
    log,
    bulk,
    through(service, id = agentId) {
      const client = createClient(service, admin, { defaultCallOptions: { metadata: { 'vmrpc-agent': id } } });
      clients.push(client);
      return client;
    },
    async close() {
      for (const client of clients) closeClient(client);
      await agent.close(200);
      await host.close(200);
    },
  };
}

/** `pairs` as grpc-js Metadata (for stock grpc-js clients). */
export function stockMetadata(pairs: Record<string, string>): grpc.Metadata {
  const metadata = new grpc.Metadata();
  for (const [key, value] of Object.entries(pairs)) metadata.set(key, value);
  return metadata;
}

/** Conformance/Unary from a stock grpc-js client: `request` is an encoded Request. */
export function stockUnary(client: grpc.Client, request: Buffer, pairs: Record<string, string>): Promise<Response> {
  return new Promise((resolve, reject) => {
    client.makeUnaryRequest('/vmrpc.testing.v1.Conformance/Unary', (value: Buffer) => value, (bytes: Buffer) => Response.decode(bytes), request, stockMetadata(pairs), (error, value) => (error ? reject(error) : resolve(value!)));
  });
}

export { Status };
