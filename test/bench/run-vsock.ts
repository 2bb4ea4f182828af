/**
 * vsock benchmark, run inside a VM harness guest (`pnpm bench:vm`): what users do today (stock
 * grpc-js over TCP loopback through a socat TCP<->vsock relay) against our channel over vsock
 * (on node:http2 and on the vmrpc HTTP/2 engine), and raw vsock bytes as the ceiling; then the
 * outside peers (peer-suite.ts). Everything goes
 * through vsock loopback (CID 1). VMRPC_BENCH_ROUNDS sets the rounds of both suites;
 * VMRPC_BENCH_ONLY=grpc, =peers or =http runs one of them (http: @vmrpc/http vs TCP loopback).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect, createServer } from '@vmrpc/native';
import { clientOptions } from '@vmrpc/transport';
import { BenchClient } from './bench-service.js';
import { measureRawRead, runRounds } from './measure.js';
import { runPeerSuite } from './peer-suite.js';
import { stopAll } from './processes.js';
import { median } from './stats.js';
import { machineDescription, saveResult } from './report.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const rounds = Number(process.env.VMRPC_BENCH_ROUNDS ?? 3);
const only = process.env.VMRPC_BENCH_ONLY;
// 16 MiB: the relay streams at about 1 MiB/s under TCG, and the whole run must stay under 10 minutes.
const settings = { sequentialCalls: 300, inFlight: 64, throughputMs: 2000, streamBytes: 16 << 20, warmUpCalls: 60 };
const GRPC_PORT = 6000;
const RELAY_PORT = 7000;
const RAW_BYTES = 64 << 20;
const children: ChildProcess[] = [];

/** Resolves once something accepts TCP connections on 127.0.0.1:port (socat says nothing when ready). */
async function tcpListening(port: number, boundMs: number): Promise<void> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    const accepted = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (accepted) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on 127.0.0.1:${port} after ${boundMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function start(command: string, args: string[], waitForOutput: boolean): Promise<void> {
  const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  if (!waitForOutput) return tcpListening(RELAY_PORT, 30_000);
  return new Promise((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${command} exited with ${code}`)));
  });
}

async function rawVsockMiBps(): Promise<number> {
  const chunk = Buffer.alloc(256 * 1024, 3);
  const server = createServer(async (socket) => {
    for (let sent = 0; sent < RAW_BYTES && !socket.destroyed; sent += chunk.length) {
      if (!socket.write(chunk)) await new Promise((resolve) => socket.once('drain', resolve));
    }
    socket.end();
  });
  await server.listen('vsock:any:any');
  const address = server.address();
  if (address?.family !== 'vsock') throw new Error('not vsock');
  const socket = await connect(`vsock:1:${address.port}`);
  const mibps = await measureRawRead(socket, RAW_BYTES);
  socket.destroy();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return mibps;
}

async function grpcSuite(): Promise<void> {
  await start(process.execPath, [path.join(here, 'bench-server.js'), `vsock:any:${GRPC_PORT}`], true);
  await start('socat', [`TCP-LISTEN:${RELAY_PORT},bind=127.0.0.1,reuseaddr,fork`, `VSOCK-CONNECT:1:${GRPC_PORT}`], false);
  const relayName = 'stock grpc-js via socat TCP<->vsock relay';
  const oursName = 'our channel, node:http2, vsock';
  const engineName = 'our channel, vmrpc HTTP/2 engine, vsock';
  const ours = (http2: 'node' | 'vmrpc') => () =>
    new BenchClient(`vsock:1:${GRPC_PORT}`, grpc.credentials.createInsecure(), clientOptions(`vsock:1:${GRPC_PORT}`, { grpc: { 'grpc.max_receive_message_length': -1 }, http2 }));
  const variants: Record<string, () => BenchClient> = {
    [relayName]: () => new BenchClient(`127.0.0.1:${RELAY_PORT}`, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': -1 }),
    [oursName]: ours('node'),
    [engineName]: ours('vmrpc'),
  };
  const raw: number[] = [];
  const results = await runRounds(rounds, variants, settings, async (round) => {
    raw.push(await rawVsockMiBps());
    console.log(`round ${round}/${rounds} raw vsock: ${raw[raw.length - 1]!.toFixed(1)} MiB/s`);
  });
  const rawName = 'raw vsock bytes (@vmrpc/native)';
  saveResult({
    suite: 'gRPC over vsock loopback (VM harness guest)',
    when: new Date().toISOString().slice(0, 10),
    machine: machineDescription(process.env.VMRPC_BENCH_ACCEL ?? 'guest'),
    rounds,
    note: `Streams are ${settings.streamBytes >> 20} MiB; raw bytes ${RAW_BYTES >> 20} MiB.`,
    variants: [
      { name: relayName, figures: results.get(relayName)! },
      { name: oursName, baseline: relayName, figures: results.get(oursName)! },
      { name: engineName, baseline: relayName, figures: results.get(engineName)! },
      { name: rawName, figures: { rawMiBps: median(raw) } },
      { name: `${oursName} vs raw`, baseline: rawName, figures: { streamMiBps: results.get(oursName)!.streamMiBps } },
    ],
  });
}

async function peerSuite(): Promise<void> {
  saveResult({
    suite: 'Outside peers in the same guest (vsock loopback)',
    when: new Date().toISOString().slice(0, 10),
    machine: machineDescription(process.env.VMRPC_BENCH_ACCEL ?? 'guest'),
    rounds,
    note: 'Each raw row runs between two processes of the same peer; agent rows call qemu-ga and GuestAgents in processes of their own; spread is min-max of the per-round figures.',
    comparisons: await runPeerSuite({ vsock: true, rounds, log: (line) => console.log(line) }),
  });
}

/** @vmrpc/http over vsock loopback against the same libraries over TCP loopback (docs/http.md). */
async function httpSuite(): Promise<void> {
  const bench = spawn(process.execPath, [path.join(here, '..', 'http', 'bench', 'http-bench.js'), '--carrier', 'vsock', '--calls', '500'], { stdio: ['ignore', 'inherit', 'inherit'] });
  children.push(bench);
  const [code] = (await once(bench, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`the HTTP bench exited with ${code}`);
}

try {
  if (only === undefined || only === 'grpc') await grpcSuite();
  if (only === undefined || only === 'peers') await peerSuite();
  if (only === undefined || only === 'http') await httpSuite();
} finally {
  for (const child of children) child.kill();
  stopAll();
}
process.exit(0);
