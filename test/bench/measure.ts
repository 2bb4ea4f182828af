/** The three measurements of a gRPC client, and raw socket throughput, with no test framework. */
import * as grpc from '@grpc/grpc-js';
import type { Duplex } from 'node:stream';
import { STREAM_CHUNK, type BenchClient } from './bench-service.js';
import { median, percentile } from './stats.js';

export interface GrpcFigures {
  unaryP50Us: number;
  unaryP99Us: number;
  callsPerSecond: number;
  streamMiBps: number;
}

function unaryOnce(client: BenchClient, payload: Buffer): Promise<void> {
  return new Promise((resolve, reject) =>
    (client as unknown as { Unary: (r: Buffer, cb: (e: grpc.ServiceError | null) => void) => void }).Unary(payload, (error) => (error ? reject(error) : resolve())),
  );
}

export async function measureGrpc(
  client: BenchClient,
  options: { sequentialCalls: number; inFlight: number; throughputMs: number; streamBytes: number; warmUpCalls?: number; streamOnly?: boolean },
  progress: (phase: string) => void = () => undefined,
): Promise<GrpcFigures> {
  if (options.streamOnly) return { unaryP50Us: NaN, unaryP99Us: NaN, callsPerSecond: NaN, streamMiBps: await measureStream(client, options.streamBytes, progress) };
  const payload = Buffer.alloc(100, 2);
  progress('warm-up and sequential unary calls');
  for (let i = 0; i < (options.warmUpCalls ?? 200); i++) await unaryOnce(client, payload);
  const latencies: number[] = [];
  for (let i = 0; i < options.sequentialCalls; i++) {
    const started = process.hrtime.bigint();
    await unaryOnce(client, payload);
    latencies.push(Number(process.hrtime.bigint() - started) / 1000);
  }
  latencies.sort((a, b) => a - b);

  progress(`${options.inFlight} calls in flight for ${options.throughputMs} ms`);
  let completed = 0;
  const until = Date.now() + options.throughputMs;
  const started = Date.now();
  await Promise.all(
    Array.from({ length: options.inFlight }, async () => {
      while (Date.now() < until) {
        await unaryOnce(client, payload);
        completed++;
      }
    }),
  );
  const callsPerSecond = completed / ((Date.now() - started) / 1000);

  const streamMiBps = await measureStream(client, options.streamBytes, progress);
  return { unaryP50Us: percentile(latencies, 50), unaryP99Us: percentile(latencies, 99), callsPerSecond, streamMiBps };
}

/** One server stream of `bytes` in 64 KiB messages; returns MiB/s. */
async function measureStream(client: BenchClient, bytes: number, progress: (phase: string) => void): Promise<number> {
  progress(`a ${bytes >> 20} MiB server stream`);
  const request = Buffer.alloc(8);
  request.writeBigUInt64BE(BigInt(bytes));
  const streamStarted = process.hrtime.bigint();
  const cpuStarted = process.cpuUsage();
  let received = 0;
  const call = (client as unknown as { Stream: (r: Buffer) => grpc.ClientReadableStream<Buffer> }).Stream(request);
  for await (const chunk of call) received += (chunk as Buffer).length;
  if (received < bytes - STREAM_CHUNK) throw new Error(`stream ended early: ${received} bytes`);
  const cpu = process.cpuUsage(cpuStarted);
  progress(`client CPU ${((cpu.user + cpu.system) / 1000 / (received / 2 ** 20)).toFixed(3)} ms per MiB received`);
  return received / 2 ** 20 / (Number(process.hrtime.bigint() - streamStarted) / 1e9);
}

/** Reads `bytes` from a socket whose peer sends them, returning MiB/s. */
export async function measureRawRead(socket: Duplex, bytes: number): Promise<number> {
  const started = process.hrtime.bigint();
  let received = 0;
  for await (const chunk of socket) {
    received += (chunk as Buffer).length;
    if (received >= bytes) break;
  }
  return received / 2 ** 20 / (Number(process.hrtime.bigint() - started) / 1e9);
}

/** Median of each figure over the rounds. */
export function medianFigures(list: GrpcFigures[]): GrpcFigures {
  return {
    unaryP50Us: median(list.map((f) => f.unaryP50Us)),
    unaryP99Us: median(list.map((f) => f.unaryP99Us)),
    callsPerSecond: median(list.map((f) => f.callsPerSecond)),
    streamMiBps: median(list.map((f) => f.streamMiBps)),
  };
}

/**
 * Measures every variant once per round, interleaved (a machine's noise then hits all variants
 * alike), and returns the medians. `afterRound` adds measurements of its own to each round.
 */
export async function runRounds(
  rounds: number,
  variants: Record<string, () => BenchClient>,
  settings: Parameters<typeof measureGrpc>[1],
  afterRound: (round: number) => Promise<void> = async () => undefined,
): Promise<Map<string, GrpcFigures>> {
  const samples = new Map<string, GrpcFigures[]>();
  for (let round = 1; round <= rounds; round++) {
    for (const [name, make] of Object.entries(variants)) {
      const client = make();
      const figures = await measureGrpc(client, settings, (phase) => console.log(`round ${round}/${rounds} ${name}: ${phase}...`));
      client.close();
      samples.set(name, [...(samples.get(name) ?? []), figures]);
      console.log(`round ${round}/${rounds} ${name}: p50 ${figures.unaryP50Us.toFixed(0)} us, ${figures.callsPerSecond.toFixed(0)} calls/s, ${figures.streamMiBps.toFixed(1)} MiB/s`);
    }
    await afterRound(round);
  }
  return new Map([...samples].map(([name, list]) => [name, medianFigures(list)]));
}
