/**
 * Host CPU per tiny call, measured with process.cpuUsage() (no profiler attached): the typed
 * client's unary call and a grpc-js Client's unary call on our channel, with each HTTP/2 engine,
 * and a typed server stream of small messages (messages per second, CPU per message). The server
 * runs in its own process, so the figures are the client's alone.
 *   node host-cpu.js [rounds]
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client as GrpcClient, credentials, Metadata } from '@grpc/grpc-js';
import { createClient, closeClient } from '@vmrpc/rpc';
import { createChannel, type Http2Engine } from '@vmrpc/transport';
import { StreamingService } from '../../rpc/generated/vmrpc/testing/v1/streaming.js';
import { start, stopAll } from '../processes.js';
import { median } from '../stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(path.join(tmpdir(), 'vmrpc-host-cpu-'));
const target = `unix:${path.join(dir, 'streaming.sock')}`;
const ROUNDS = Number(process.argv[2] ?? 3);
const CALLS = 3000;
const STREAMED = 20_000;

function cpuMicros(since: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(since);
  return used.user + used.system;
}

/** CPU microseconds per call of `count` sequential calls. */
async function cpuPerCall(once: () => Promise<unknown>, count: number): Promise<number> {
  const started = process.cpuUsage();
  for (let i = 0; i < count; i++) await once();
  return cpuMicros(started) / count;
}

const empty = Buffer.alloc(0);

async function main(): Promise<void> {
  const server = start(process.execPath, [path.join(here, 'streaming-server.js'), target]);
  await server.line(/^ready$/, 30_000);
  const rows = new Map<string, number[]>();
  const record = (name: string, value: number): void => void rows.set(name, [...(rows.get(name) ?? []), value]);
  const engines: Http2Engine[] = ['vmrpc', 'node'];
  const typed = engines.map((http2) => createClient(StreamingService, target, { http2 }));
  const grpcClients = engines.map((http2) => new GrpcClient('vmrpc', credentials.createInsecure(), { channelOverride: createChannel(target, { http2 }) }));
  const grpcPing = (client: GrpcClient) => () =>
    new Promise((resolve, reject) =>
      client.makeUnaryRequest('/vmrpc.testing.v1.Streaming/Ping', (b: Buffer) => b, (b: Buffer) => b, empty, new Metadata(), { deadline: Date.now() + 10_000 }, (error, value) => (error ? reject(error) : resolve(value))),
    );
  const stream = async (client: (typeof typed)[number]): Promise<void> => {
    let n = 0;
    for await (const _ of client.count({ count: STREAMED })) n++;
    if (n !== STREAMED) throw new Error(`stream gave ${n} of ${STREAMED}`);
  };
  for (let round = 0; round <= ROUNDS; round++) {
    for (const [i, http2] of engines.entries()) {
      const client = typed[i]!;
      const typedUnary = await cpuPerCall(() => client.ping({}, { timeoutMs: 10_000 }), CALLS);
      const grpcUnary = await cpuPerCall(grpcPing(grpcClients[i]!), CALLS);
      const wall = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      await stream(client);
      const streamCpu = cpuMicros(cpu) / STREAMED;
      const perSecond = STREAMED / (Number(process.hrtime.bigint() - wall) / 1e9);
      if (round === 0) continue; // warm-up
      record(`typed unary (${http2}) host CPU us/call`, typedUnary);
      record(`grpc-js Client unary (${http2}) host CPU us/call`, grpcUnary);
      record(`typed server stream (${http2}) host CPU us/message`, streamCpu);
      record(`typed server stream (${http2}) messages/s`, perSecond);
    }
  }
  for (const [name, values] of rows) console.log(`${name}: median ${median(values).toFixed(1)} (${values.map((v) => v.toFixed(1)).join(' ')})`);
  for (const client of typed) closeClient(client);
  for (const client of grpcClients) client.close();
  server.child.stdin!.end();
  await server.done(10_000);
}

try {
  await main();
} finally {
  stopAll();
}
process.exit(0);
