/**
 * Gateway overhead: sequential unary round trips (Streaming/Ping) to one agent, direct
 * (host.agent(id).client(), in the host process) vs through the gateway (a client dialing the
 * host's admin listener with `vmrpc-agent`), and 1 MiB unary echoes both ways, over unix:
 * sockets on one machine. One run; report p50/p99 and the ratio of p50s.
 *
 *   node test/.build/rpc/bench/gateway-bench.js [--json] [--calls N]
 */
import { performance } from 'node:perf_hooks';
import { closeClient, type Client } from '@vmrpc/rpc';
import { ConformanceService } from '../generated/vmrpc/testing/v1/conformance.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { gatewayFixture } from '../agent/gateway-fixture.js';

const args = process.argv.slice(2);
const calls = Number(args[args.indexOf('--calls') + 1] ?? 2000) || 2000;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function time(count: number, call: () => Promise<unknown>): Promise<{ p50: number; p99: number }> {
  for (let i = 0; i < Math.min(200, count); i++) await call(); // warm-up: connections, JIT
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    await call();
    samples.push((performance.now() - start) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99) };
}

const fx = await gatewayFixture({ heartbeatIntervalMs: 5000, heartbeatTimeoutMs: 15_000 });
const direct: Client<typeof StreamingService> = fx.host.agent('vm-gw').client(StreamingService);
const through = fx.through(StreamingService);
const directBulk = fx.host.agent('vm-gw').client(ConformanceService);
const throughBulk = fx.through(ConformanceService);
const mib = { payload: Buffer.alloc(1024 * 1024, 7) };
const results = {
  calls,
  pingDirectUs: await time(calls, () => direct.ping({})),
  pingGatewayUs: await time(calls, () => through.ping({})),
  mibDirectUs: await time(200, () => directBulk.unary(mib)),
  mibGatewayUs: await time(200, () => throughBulk.unary(mib)),
};
const ratio = results.pingGatewayUs.p50 / results.pingDirectUs.p50;
closeClient(through);
await fx.close();
if (args.includes('--json')) console.log(JSON.stringify({ ...results, pingP50Ratio: ratio }));
else {
  const line = (name: string, r: { p50: number; p99: number }): string => `${name.padEnd(28)} p50 ${r.p50.toFixed(0).padStart(6)} us   p99 ${r.p99.toFixed(0).padStart(6)} us`;
  console.log(line('unary ping, direct', results.pingDirectUs));
  console.log(line('unary ping, through gateway', results.pingGatewayUs));
  console.log(line('1 MiB echo, direct', results.mibDirectUs));
  console.log(line('1 MiB echo, through gateway', results.mibGatewayUs));
  console.log(`gateway/direct p50 ratio (ping): ${ratio.toFixed(2)}`);
}
