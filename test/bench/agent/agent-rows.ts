/**
 * The agent rows of `pnpm bench:vm`: the same four jobs done by QEMU's guest agent (qemu-ga) and
 * by an AgentHost calling GuestAgents (the test echo agent for the tiny call, the example agent
 * for the rest), every agent in a process of its own, interleaved call type by call type.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from '@vmrpc/native';
import { AgentHost } from '@vmrpc/rpc';
import { EchoService } from '../../rpc/generated/vmrpc/echo/v1/echo.js';
import { GuestService } from '../generated/vmrpc/examples/guest/v1/guest.js';
import { start, type Started } from '../processes.js';
import { percentile, timeMany, warmUp, type WarmUp } from '../stats.js';
import { QgaClient } from './qga-client.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const checkout = path.resolve(here, '../../../..');
const exampleAgent = path.join(checkout, 'examples/host-guest-agent/dist/agent.js');
const echoAgent = path.resolve(here, '../../rpc/agent/agent-process.js');
const QGA_PORT = 9001;
const HOST_PORT = 9002;
const CALL_OPTIONS = { timeoutMs: 30_000 };

/** One job, as qemu-ga does it and as vmrpc does it, with how many calls a round measures. */
export interface AgentJob {
  what: string;
  calls: number;
  /** Batches scaled to the job: a command takes 5-10 times as long as a ping under TCG. */
  warmUp: WarmUp;
  /**
   * Calls each side makes once, before the first round, in alternating chunks (warmJit): under
   * TCG V8 is still tiering a short call's path up in both Node processes 10,000-20,000 calls in
   * (docs/benchmarks.md, "The JIT's warm-up"), which the per-round warm-up cannot tell from noise.
   */
  jitCalls?: number;
  /** Absent when qemu-ga is not installed. */
  qga: (() => Promise<unknown>) | undefined;
  ours: () => Promise<unknown>;
}

export interface LatencyFigures {
  p50Us: number;
  p99Us: number;
  steady: boolean;
}

export interface AgentBench {
  jobs: AgentJob[];
  /** pids of the example agent and of qemu-ga (their RSS when idle). */
  examplePid: number;
  qgaPid: number | undefined;
  close(): Promise<void>;
}

/** Connects to a listener that prints nothing when ready (qemu-ga), retrying for up to boundMs. */
export async function connectWhenListening(target: string, boundMs: number): Promise<import('@vmrpc/native').VmSocket> {
  const deadline = Date.now() + boundMs;
  for (;;) {
    try {
      return await connect(target);
    } catch (error) {
      // qemu-ga says nothing when it is listening: try again (a bounded poll of its readiness).
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

/**
 * Starts qemu-ga (when `withQga`), an AgentHost and its two agents; `vsock` false runs over Unix
 * sockets (a dry run).
 */
export async function startAgentBench(dir: string, vsock: boolean, withQga: boolean): Promise<AgentBench> {
  const file = randomBytes(64 * 1024);
  const fileSum = createHash('sha256').update(file).digest('hex');
  const readRoot = path.join(dir, 'readable');
  mkdirSync(readRoot, { recursive: true });
  mkdirSync(path.join(dir, 'qga-state'), { recursive: true });
  const filePath = path.join(readRoot, 'file-64k');
  writeFileSync(filePath, file);
  const check = (bytes: Buffer, who: string): void => {
    if (createHash('sha256').update(bytes).digest('hex') !== fileSum) throw new Error(`${who} read ${bytes.length} bytes that differ from the file`);
  };

  const qgaTarget = vsock ? `vsock:1:${QGA_PORT}` : `unix:${path.join(dir, 'qga.sock')}`;
  const qgaArgs = vsock ? ['-m', 'vsock-listen', '-p', `1:${QGA_PORT}`] : ['-m', 'unix-listen', '-p', qgaTarget.slice(5)];
  const processes: Started[] = [];
  let qga: QgaClient | undefined;
  let qgaPid: number | undefined;
  if (withQga) {
    const started = start('qemu-ga', [...qgaArgs, '-t', path.join(dir, 'qga-state'), '-f', path.join(dir, 'qga.pid')]);
    processes.push(started);
    qgaPid = started.child.pid;
    qga = new QgaClient(await connectWhenListening(qgaTarget, 30_000));
  }
  const viaQga = (use: (client: QgaClient) => Promise<unknown>): AgentJob['qga'] => (qga === undefined ? undefined : () => use(qga!));

  const host = new AgentHost({ maxAgentsPerPeer: 8 });
  const hostTarget = vsock ? `vsock:any:${HOST_PORT}` : `unix:${path.join(dir, 'agents.sock')}`;
  await host.listen(hostTarget);
  const dialTarget = vsock ? `vsock:1:${HOST_PORT}` : hostTarget;
  const example = start(process.execPath, [exampleAgent, '--connect', dialTarget, '--id', 'bench-guest', '--allow', '/bin/true', '--read-root', readRoot]);
  processes.push(example, start(process.execPath, [echoAgent, dialTarget, 'bench-echo']));
  await Promise.all([host.waitFor('bench-guest', { timeoutMs: 120_000 }), host.waitFor('bench-echo', { timeoutMs: 120_000 })]);
  const echo = host.agent('bench-echo').client(EchoService);
  const guest = host.agent('bench-guest').client(GuestService);

  const jobs: AgentJob[] = [
    // Short calls first warm the JIT up (jitCalls), then warm up per round in batches as long as
    // the measurement, and measure enough calls that p99 is not the second-worst sample
    // (docs/benchmarks.md, "The JIT's warm-up" and "The tiny call's tail").
    { what: 'tiny host->guest call', calls: 600, warmUp: { batch: 150, tolerance: 0.1, maxBatches: 10 }, jitCalls: 20_000, qga: viaQga((client) => client.execute('guest-ping')), ours: () => echo.say({ message: 'x' }, CALL_OPTIONS) },
    { what: 'system info', calls: 200, warmUp: { batch: 50, tolerance: 0.1, maxBatches: 8 }, jitCalls: 4_000, qga: viaQga((client) => client.execute('guest-get-osinfo')), ours: () => guest.systemInfo({}, CALL_OPTIONS) },
    {
      what: 'run /bin/true to completion',
      calls: 30,
      warmUp: { batch: 5, tolerance: 0.1, maxBatches: 6 },
      qga: viaQga(async (client) => {
        const code = await client.run('/bin/true');
        if (code !== 0) throw new Error(`qemu-ga ran /bin/true: exit code ${code}`);
      }),
      ours: async () => {
        let code: number | undefined;
        for await (const output of guest.runCommand({ argv: ['/bin/true'] }, CALL_OPTIONS)) if (output.kind?.$case === 'exit') code = output.kind.exit.code;
        if (code !== 0) throw new Error(`RunCommand /bin/true: exit code ${code}`);
      },
    },
    {
      what: 'read 64 KiB',
      calls: 30,
      warmUp: { batch: 5, tolerance: 0.1, maxBatches: 6 },
      qga: viaQga(async (client) => check(await client.readFile(filePath), 'qemu-ga')),
      ours: async () => {
        const chunks: Uint8Array[] = [];
        for await (const content of guest.readFile({ path: filePath }, CALL_OPTIONS)) if (content.kind?.$case === 'data') chunks.push(content.kind.data);
        check(Buffer.concat(chunks), 'ReadFile');
      },
    },
  ];
  return {
    jobs,
    examplePid: example.child.pid!,
    qgaPid,
    close: async () => {
      qga?.close();
      await host.close(2000);
      for (const started of processes) started.child.kill('SIGTERM');
    },
  };
}

/** p50 in microseconds of each chunk of a side's JIT warm-up, in order. */
export interface JitWarmUp {
  chunk: number;
  qgaP50Us: number[];
  oursP50Us: number[];
}

/**
 * Makes `job.jitCalls` calls on each side, alternating chunks of `chunk` calls so that both sides
 * warm up under the same load; the chunks' p50s show the curve (the first chunk is the cold cost).
 */
export async function warmJit(job: AgentJob, chunk = 1000): Promise<JitWarmUp> {
  const curve: JitWarmUp = { chunk, qgaP50Us: [], oursP50Us: [] };
  for (let done = 0; done < (job.jitCalls ?? 0); done += chunk) {
    if (job.qga !== undefined) curve.qgaP50Us.push(percentile(await timeMany(job.qga, chunk), 50));
    curve.oursP50Us.push(percentile(await timeMany(job.ours, chunk), 50));
  }
  return curve;
}

/** Warm-up until steady, then `calls` sequential calls. */
export async function measureLatency(once: () => Promise<unknown>, calls: number, rules: WarmUp): Promise<LatencyFigures> {
  const steady = await warmUp(once, rules);
  const latencies = await timeMany(once, calls);
  return { p50Us: percentile(latencies, 50), p99Us: percentile(latencies, 99), steady };
}
