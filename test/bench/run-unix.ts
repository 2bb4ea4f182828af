/**
 * Unix-socket benchmark (`pnpm bench`): the stock grpc-js client and our channel against the
 * same stock grpc-js server (grpc-js's own bindAsync on a Unix socket), interleaved over rounds.
 */
import { spawn } from 'node:child_process';
import * as grpc from '@grpc/grpc-js';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientOptions } from '@vmrpc/transport';
import { BenchClient } from './bench-service.js';
import { measureGrpc, median, type GrpcFigures } from './measure.js';
import { machineDescription, saveResult } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.env.VMRPC_BENCH_ROUNDS ?? 3);
const settings = { sequentialCalls: 2000, inFlight: 64, throughputMs: 3000, streamBytes: 256 << 20 };
const target = `unix:/tmp/vmrpc-bench-${process.pid}.sock`;

const server = spawn(process.execPath, [path.join(here, 'bench-server.js'), target, 'stock'], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  server.stdout!.once('data', () => resolve());
  server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
});

const variants: Record<string, () => BenchClient> = {
  'stock grpc-js client, Unix socket': () => new BenchClient(target, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 }),
  '@vmrpc/transport channel, same socket': () =>
    new BenchClient(target, grpc.credentials.createInsecure(), clientOptions(target, { grpc: { 'grpc.max_receive_message_length': -1 } })),
};

const samples = new Map<string, GrpcFigures[]>();
for (let round = 1; round <= rounds; round++) {
  for (const [name, make] of Object.entries(variants)) {
    const client = make();
    const figures = await measureGrpc(client, settings);
    client.close();
    samples.set(name, [...(samples.get(name) ?? []), figures]);
    console.log(`round ${round}/${rounds} ${name}: p50 ${figures.unaryP50Us.toFixed(0)} us, ${figures.callsPerSecond.toFixed(0)} calls/s, ${figures.streamMiBps.toFixed(1)} MiB/s`);
  }
}
server.stdin!.end();

const medianOf = (list: GrpcFigures[]): GrpcFigures => ({
  unaryP50Us: median(list.map((f) => f.unaryP50Us)),
  unaryP99Us: median(list.map((f) => f.unaryP99Us)),
  callsPerSecond: median(list.map((f) => f.callsPerSecond)),
  streamMiBps: median(list.map((f) => f.streamMiBps)),
});
const [baseline, ours] = Object.keys(variants) as [string, string];
saveResult({
  suite: 'gRPC over a Unix socket (host)',
  when: new Date().toISOString().slice(0, 10),
  machine: machineDescription(),
  rounds,
  variants: [
    { name: baseline, figures: medianOf(samples.get(baseline)!) },
    { name: ours, baseline, figures: medianOf(samples.get(ours)!) },
  ],
});
