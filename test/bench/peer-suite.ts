/**
 * The outside-peer suite of `pnpm bench:vm` (issue 16): raw bytes and agent calls of vmrpc beside
 * C, Python, node-vsock, node:net and qemu-ga in the same guest, interleaved over rounds, and
 * memory. `vsock` false runs every row that can over Unix sockets (a dry run on any machine).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { measureLatency, startAgentBench, warmJit, type AgentJob } from './agent/agent-rows.js';
import { measureMemory } from './agent/memory-rows.js';
import { Comparisons, type ComparisonRow } from './comparison.js';
import { buildCPeer, measureRawPeer, rawPeers, STREAM_BYTES } from './peers/raw-rows.js';
import { onPath } from './processes.js';

const C = 'C read/write';
const C_UNIX = 'C read/write, Unix socket';
const NET = 'node:net, Unix socket';
const NATIVE = '@vmrpc/native native-handle';
const QGA = 'qemu-ga';
const OURS = 'AgentHost -> GuestAgent';
export const IDLE_AGENTS = 200;

/**
 * VMRPC_BENCH_ROWS: comma-separated parts of row names (a raw peer, an agent job, or `memory`),
 * e.g. `portable,tiny`, to study a few rows in a short guest run; unset or empty runs every row.
 */
export function rowFilter(setting: string | undefined = process.env.VMRPC_BENCH_ROWS): (name: string) => boolean {
  const parts = (setting ?? '').split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== '');
  if (parts.length === 0) return () => true;
  return (name) => parts.some((part) => name.toLowerCase().includes(part));
}

/** Rotates `list` by `round` so no peer always goes first. */
function rotated<T>(list: readonly T[], round: number): T[] {
  const k = (round - 1) % list.length;
  return [...list.slice(k), ...list.slice(0, k)];
}

export async function runPeerSuite(options: { vsock: boolean; rounds: number; log: (line: string) => void }): Promise<ComparisonRow[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'vmrpc-peer-bench-'));
  const comparisons = new Comparisons();
  const rawBaselines = { unit: 'MiB/s', higherIsBetter: true, baselines: [C, C_UNIX, NET, 'node-vsock', NATIVE] };
  const pingBaselines = { unit: 'us', higherIsBetter: false, baselines: [C, C_UNIX, NET, 'node-vsock'] };
  try {
    // The guest runs its host's programs: `pnpm bench:vm` installs these there when it can.
    const missing = ['cc', 'qemu-ga'].filter((name) => !onPath(name));
    for (const name of missing) options.log(`${name} is not installed: its rows are left out (apt-get install ${name === 'cc' ? 'gcc' : 'qemu-guest-agent'})`);
    const wanted = rowFilter();
    const peers = rawPeers(missing.includes('cc') ? undefined : buildCPeer(dir), options.vsock).filter((peer) => wanted(peer.name));
    const jobs = (agents: { jobs: AgentJob[] }): AgentJob[] => agents.jobs.filter((job) => wanted(job.what));
    const agents = await startAgentBench(dir, options.vsock, !missing.includes('qemu-ga'));
    try {
      for (const job of jobs(agents).filter((one) => one.jitCalls !== undefined)) {
        const curve = await warmJit(job);
        const ms = (us: number[]): string => us.map((one) => (one / 1000).toFixed(2)).join(' ');
        options.log(`JIT warm-up, ${job.what}, p50 ms per ${curve.chunk} calls: ${OURS} ${ms(curve.oursP50Us)}${curve.qgaP50Us.length > 0 ? `; ${QGA} ${ms(curve.qgaP50Us)}` : ''}`);
        const spec = { unit: 'ms', higherIsBetter: false, baselines: [QGA] };
        // The first chunk is the cost of a fresh process; the last, of one that calls without pause
        // (the rounds come after minutes of raw rows, when V8 may have dropped optimized code).
        const ends = [[`${job.what}, p50 of the first ${curve.chunk} calls (cold)`, 0], [`${job.what}, p50 of the last ${curve.chunk} of ${job.jitCalls} calls (hot)`, curve.oursP50Us.length - 1]] as const;
        for (const [what, k] of ends) {
          if (curve.qgaP50Us.length > 0) comparisons.add({ what, ...spec }, QGA, curve.qgaP50Us[k]! / 1000);
          comparisons.add({ what, ...spec }, OURS, curve.oursP50Us[k]! / 1000);
        }
      }
      for (let round = 1; round <= options.rounds; round++) {
        for (const peer of rotated(peers, round)) {
          const figures = await measureRawPeer(peer, dir);
          options.log(`round ${round}/${options.rounds} ${peer.name}: ${figures.mibps.toFixed(1)} MiB/s, ping-pong p50 ${figures.p50Us} us p99 ${figures.p99Us} us`);
          comparisons.add({ what: `raw stream, ${STREAM_BYTES >> 20} MiB in 64 KiB writes`, ...rawBaselines }, peer.name, figures.mibps);
          comparisons.add({ what: 'raw 1-byte ping-pong, p50', ...pingBaselines }, peer.name, figures.p50Us, figures.steady);
          comparisons.add({ what: 'raw 1-byte ping-pong, p99', ...pingBaselines }, peer.name, figures.p99Us, figures.steady);
        }
        for (const job of jobs(agents)) {
          const sides = job.qga === undefined ? [[OURS, job.ours] as const] : ([[QGA, job.qga], [OURS, job.ours]] as const);
          for (const [name, once] of rotated(sides, round)) {
            const figures = await measureLatency(once, job.calls, job.warmUp);
            options.log(`round ${round}/${options.rounds} ${job.what}, ${name}: p50 ${(figures.p50Us / 1000).toFixed(2)} ms, p99 ${(figures.p99Us / 1000).toFixed(2)} ms`);
            const spec = { unit: 'ms', higherIsBetter: false, baselines: [QGA] };
            comparisons.add({ what: `${job.what}, p50`, ...spec }, name, figures.p50Us / 1000, figures.steady);
            comparisons.add({ what: `${job.what}, p99`, ...spec }, name, figures.p99Us / 1000, figures.steady);
          }
        }
      }
      if (!wanted('memory')) return comparisons.rows();
      const listen = options.vsock ? 'vsock:any:9003' : `unix:${path.join(dir, 'memory.sock')}`;
      const dial = options.vsock ? 'vsock:1:9003' : listen;
      const memory = await measureMemory(agents.examplePid, agents.qgaPid, listen, dial, IDLE_AGENTS, 240_000);
      options.log(`memory: ${JSON.stringify(memory)}`);
      const one = (what: string, unit: string, name: string, value: number, baselines: string[] = []): void =>
        comparisons.add({ what, unit, higherIsBetter: false, baselines }, name, value);
      one('RSS of an AgentHost process, idle', 'MiB', 'vmrpc', memory.hostIdleMiB);
      one('RSS of an AgentHost process, 1 agent online', 'MiB', 'vmrpc', memory.hostOneAgentMiB);
      if (memory.qgaProcessMiB !== undefined) one('RSS of an idle agent process', 'MiB', QGA, memory.qgaProcessMiB, [QGA]);
      one('RSS of an idle agent process', 'MiB', 'examples/host-guest-agent', memory.idleAgentProcessMiB, [QGA]);
      one(`host memory per idle agent (${IDLE_AGENTS} agents, one host)`, 'KiB', 'vmrpc', memory.hostPerAgentKiB);
      one(`agent-side memory per idle agent (${IDLE_AGENTS} GuestAgents in one process)`, 'KiB', 'vmrpc', memory.agentSidePerAgentKiB);
    } finally {
      await agents.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return comparisons.rows();
}
