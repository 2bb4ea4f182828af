/**
 * Where the tiny call's tail comes from (issue 16, goal 1 p99): one AgentHost, the test echo agent
 * in a process of its own (probe-agent.ts), the bench's own warm-up, then many sequential calls,
 * each with its wall-clock start, laid beside the garbage collections of both processes.
 *   node tail-probe.js [--unix] [--calls N] [--qga] [--async]
 * --unix runs over Unix sockets (any machine); otherwise vsock loopback (a harness guest only).
 * --qga measures qemu-ga's guest-ping the same way first (when qemu-ga is installed).
 * --async counts the async resources (timers, immediates...) both processes create per call
 * instead (VMRPC_PROBE_ASYNC=1 in the agent; slower, so its latencies mean little).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AgentHost } from '@vmrpc/rpc';
import { EchoService } from '../../rpc/generated/vmrpc/echo/v1/echo.js';
import { start, stopAll } from '../processes.js';
import { percentile, warmUp } from '../stats.js';
import { formatCensus, recordAsync, type Census } from './async-census.js';
import { recordGc, type GcEvent } from './gc-events.js';
import { connectWhenListening } from './agent-rows.js';
import { QgaClient } from './qga-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const WINDOW = 150;
const args = process.argv.slice(2);
const unknown = args.find((arg, i) => !['--unix', '--qga', '--async', '--calls'].includes(arg) && args[i - 1] !== '--calls');
if (unknown !== undefined) throw new Error(`tail-probe: unknown argument ${unknown} (usage: tail-probe.js [--unix] [--qga] [--async] [--calls N])`);
const unix = args.includes('--unix');
const calls = args.includes('--calls') ? Number(args[args.indexOf('--calls') + 1]) : 1500;
if (!Number.isInteger(calls) || calls < WINDOW) throw new Error(`tail-probe: --calls must be a whole number of at least 150 (got ${args[args.indexOf('--calls') + 1]})`);
// The warm-up rule of the bench's tiny-call row before issue 16's tail study (what it measured).
const SHORT_WARM_UP = { batch: 20, tolerance: 0.1, maxBatches: 6 };

interface Call {
  startMs: number;
  us: number;
}

async function timeCalls(once: () => Promise<unknown>, count: number): Promise<Call[]> {
  const out: Call[] = [];
  for (let i = 0; i < count; i++) {
    const startMs = performance.timeOrigin + performance.now();
    const started = process.hrtime.bigint();
    await once();
    out.push({ startMs, us: Number(process.hrtime.bigint() - started) / 1000 });
  }
  return out;
}

function overlaps(call: Call, events: readonly GcEvent[]): GcEvent[] {
  const end = call.startMs + call.us / 1000;
  return events.filter((event) => event.startMs < end && event.startMs + event.durationMs > call.startMs);
}

function report(name: string, series: Call[], gcs: Record<string, GcEvent[]>): void {
  const us = series.map((call) => call.us);
  const p50 = percentile(us, 50);
  const windows: string[] = [];
  for (let k = 0; k + WINDOW <= series.length; k += WINDOW) {
    const part = us.slice(k, k + WINDOW);
    windows.push(`${(percentile(part, 50) / 1000).toFixed(2)}/${(percentile(part, 99) / 1000).toFixed(1)}`);
  }
  console.log(`${name}: ${series.length} calls, p50 ${(p50 / 1000).toFixed(2)} ms, p99 ${(percentile(us, 99) / 1000).toFixed(2)} ms, mean ${(us.reduce((a, b) => a + b, 0) / us.length / 1000).toFixed(2)} ms`);
  console.log(`  p50/p99 ms per window of ${WINDOW}: ${windows.join(' ')}`);
  for (const [who, events] of Object.entries(gcs)) {
    const byKind = new Map<string, { count: number; ms: number; max: number }>();
    for (const event of events) {
      const entry = byKind.get(event.kind) ?? { count: 0, ms: 0, max: 0 };
      entry.count++;
      entry.ms += event.durationMs;
      entry.max = Math.max(entry.max, event.durationMs);
      byKind.set(event.kind, entry);
    }
    const kinds = [...byKind].map(([kind, e]) => `${kind} ${e.count} (total ${e.ms.toFixed(1)} ms, max ${e.max.toFixed(1)} ms)`).join(', ');
    console.log(`  ${who} GC: ${kinds || 'none'}`);
  }
  const slow = series.filter((call) => call.us > 3 * p50);
  const causes = new Map<string, { count: number; us: number }>();
  for (const call of slow) {
    const who = Object.entries(gcs).filter(([, events]) => overlaps(call, events).length > 0).map(([w]) => w);
    const key = who.length === 0 ? 'no GC in either process' : `GC in ${who.join(' + ')}`;
    const entry = causes.get(key) ?? { count: 0, us: 0 };
    entry.count++;
    entry.us += call.us;
    causes.set(key, entry);
  }
  console.log(`  calls over 3x p50: ${slow.length} (${((100 * slow.length) / series.length).toFixed(1)}%)`);
  for (const [key, entry] of causes) console.log(`    ${key}: ${entry.count}, mean ${(entry.us / entry.count / 1000).toFixed(1)} ms`);
  const noGc = slow.filter((call) => Object.values(gcs).every((events) => overlaps(call, events).length === 0)).map((call) => (call.us / 1000).toFixed(1));
  console.log(`    slow without GC, ms: ${noGc.slice(0, 40).join(' ')}`);
}

async function probeQga(dir: string): Promise<void> {
  const target = unix ? `unix:${path.join(dir, 'qga.sock')}` : 'vsock:1:9001';
  start('qemu-ga', [...(unix ? ['-m', 'unix-listen', '-p', target.slice(5)] : ['-m', 'vsock-listen', '-p', '1:9001']), '-t', dir, '-f', path.join(dir, 'qga.pid')]);
  const qga = new QgaClient(await connectWhenListening(target, 30_000));
  const once = (): Promise<unknown> => qga.execute('guest-ping');
  await warmUp(once, SHORT_WARM_UP);
  const stopHost = recordGc();
  const series = await timeCalls(once, calls);
  report('qemu-ga guest-ping', series, { host: stopHost() });
  qga.close();
}

async function probeAgent(dir: string, census: boolean): Promise<void> {
  const target = unix ? `unix:${path.join(dir, 'agents.sock')}` : 'vsock:any:9002';
  const host = new AgentHost();
  await host.listen(target);
  const agentEnv = { ...process.env, VMRPC_PROBE_ASYNC: census ? '1' : '0' };
  const agent = start(process.execPath, [path.join(here, 'probe-agent.js'), unix ? target : 'vsock:1:9002', 'probe'], agentEnv);
  await agent.line(/^registered$/, 120_000);
  const echo = host.agent('probe').client(EchoService);
  const once = (): Promise<unknown> => echo.say({ message: 'x' }, { timeoutMs: 30_000 });
  await warmUp(once, SHORT_WARM_UP);
  agent.child.stdin!.write('start\n');
  await agent.line(/^started$/, 30_000);
  const stop = census ? recordAsync() : recordGc();
  const series = await timeCalls(once, calls);
  const hostRecord = stop();
  agent.child.stdin!.write('stop\n');
  const line = await agent.line(/^(gc|async) /, 30_000);
  const agentRecord: unknown = JSON.parse(line.slice(line.indexOf(' ') + 1));
  if (census) {
    console.log(formatCensus('host', hostRecord as Census, calls));
    console.log(formatCensus('agent', agentRecord as Census, calls));
  } else {
    report('AgentHost -> GuestAgent Echo.Say', series, { host: hostRecord as GcEvent[], agent: agentRecord as GcEvent[] });
  }
  agent.child.stdin!.end();
  await host.close(1000);
}

const dir = mkdtempSync(path.join(tmpdir(), 'vmrpc-tail-'));
try {
  if (args.includes('--qga')) await probeQga(dir);
  await probeAgent(dir, args.includes('--async'));
} finally {
  stopAll();
  rmSync(dir, { recursive: true, force: true });
}
