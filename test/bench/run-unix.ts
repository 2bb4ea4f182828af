/**
 * Unix-socket benchmark (`pnpm bench`): the stock grpc-js client and our channel on each HTTP/2
 * engine (node:http2, and the vmrpc engine) against the same stock grpc-js server (grpc-js's own
 * bindAsync on a Unix socket), interleaved over rounds.
 */
import { spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { clientOptions } from '@vmrpc/transport';
import { BenchClient } from './bench-service.js';
import { runRounds } from './measure.js';
import { machineDescription, saveResult } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.env.VMRPC_BENCH_ROUNDS ?? 3);
// VMRPC_BENCH_ONLY=stream measures the server stream alone and records nothing (a quick ratio
// while working on the receive path); VMRPC_BENCH_VARIANTS=stock,node,vmrpc picks the clients.
const streamOnly = process.env.VMRPC_BENCH_ONLY === 'stream';
const settings = { sequentialCalls: 2000, inFlight: 64, throughputMs: 3000, streamBytes: 256 << 20, streamOnly };
const socketFile = `/tmp/vmrpc-bench-${process.pid}.sock`;
const target = `unix:${socketFile}`;
// A run that crashed under the same pid left its socket file behind: it would refuse to bind.
rmSync(socketFile, { force: true });

const server = spawn(process.execPath, [path.join(here, 'bench-server.js'), target, 'stock'], { stdio: ['pipe', 'pipe', 'inherit'] });
await new Promise<void>((resolve, reject) => {
  server.stdout!.once('data', () => resolve());
  server.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
});

const variants: Record<string, () => BenchClient> = {
  'stock grpc-js client, Unix socket': () => new BenchClient(target, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 }),
  'our channel, node:http2, same socket': () =>
    new BenchClient(target, grpc.credentials.createInsecure(), clientOptions(target, { grpc: { 'grpc.max_receive_message_length': -1 }, http2: 'node' })),
  'our channel, vmrpc HTTP/2 engine, same socket': () =>
    new BenchClient(target, grpc.credentials.createInsecure(), clientOptions(target, { grpc: { 'grpc.max_receive_message_length': -1 }, http2: 'vmrpc' })),
};

const keys = Object.keys(variants);
const picked = process.env.VMRPC_BENCH_VARIANTS?.split(',').map((short) => keys[['stock', 'node', 'vmrpc'].indexOf(short)]);
if (picked !== undefined && picked.some((key) => key === undefined)) throw new Error('VMRPC_BENCH_VARIANTS lists stock, node and/or vmrpc');
const run = picked === undefined ? variants : Object.fromEntries(picked.map((key) => [key!, variants[key!]!]));
const results = await runRounds(rounds, run, settings);
server.stdin!.end();
if (streamOnly || picked !== undefined) {
  for (const [name, figures] of results) console.log(`median ${name}: ${figures.streamMiBps.toFixed(1)} MiB/s`);
  process.exit(0);
}

const [baseline, ours, engine] = Object.keys(variants) as [string, string, string];
saveResult({
  suite: 'gRPC over a Unix socket (host)',
  when: new Date().toISOString().slice(0, 10),
  machine: machineDescription(),
  rounds,
  variants: [
    { name: baseline, figures: results.get(baseline)! },
    { name: ours, baseline, figures: results.get(ours)! },
    { name: engine, baseline, figures: results.get(engine)! },
  ],
});
