/**
 * Per-call cost of a tiny AgentHost -> GuestAgent unary call (Echo.Say) over a Unix socket: the
 * host in this process, the agent in a child process of its own (the layout of a real host and
 * guest). Sequential calls after a warm-up; prints p50 and p99 in microseconds, and the host
 * and the agent process's CPU time per call (user + system; steadier than wall time on a shared
 * machine).
 *
 *   node test/.build/rpc/bench/agent-call-bench.js [--calls N] [--http2 node|vmrpc] [--json]
 *
 * `--http2` picks the HTTP/2 engine of the host's call channels (AgentHostOptions.channel.http2;
 * the host's default when left out).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { AgentHost, GuestAgent } from '@vmrpc/rpc';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from '../agent/echo-agent.js';
import { socketPath } from '../../support/checks.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(name);
  return at >= 0 ? Number(args[at + 1]) || fallback : fallback;
};

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function runAgent(target: string): Promise<void> {
  const agent = new GuestAgent({ id: 'bench' }).add(EchoService, echoImplementation('bench'));
  agent.once('registered', () => process.send?.('registered'));
  process.on('message', () => process.send?.(process.cpuUsage()));
  process.on('disconnect', () => void agent.close().then(() => process.exit(0)));
  await agent.connect(target);
}

/** The agent process's CPU time so far (asked over the IPC channel). */
async function agentCpu(child: ChildProcess): Promise<NodeJS.CpuUsage> {
  child.send('cpu');
  const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage];
  return usage;
}

async function runHost(): Promise<void> {
  const calls = option('--calls', 4000);
  const target = `unix:${socketPath('agent-call-bench')}`;
  const at = args.indexOf('--http2');
  const http2 = at >= 0 ? (args[at + 1] as 'node' | 'vmrpc') : undefined;
  const host = new AgentHost(http2 === undefined ? {} : { channel: { http2 } });
  await host.listen(target);
  const child = fork(fileURLToPath(import.meta.url), ['--agent', target], { stdio: 'inherit' });
  const [message] = (await once(child, 'message')) as [string];
  if (message !== 'registered') throw new Error(`agent said ${message}`);
  const echo = host.agent('bench').client(EchoService);
  for (let i = 0; i < 500; i++) await echo.say({ message: 'warm' });
  const samples: number[] = [];
  const agentBefore = await agentCpu(child);
  const cpuBefore = process.cpuUsage();
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await echo.say({ message: 'hi' });
    samples.push((performance.now() - start) * 1000);
  }
  const cpu = process.cpuUsage(cpuBefore);
  const agentAfter = await agentCpu(child);
  samples.sort((a, b) => a - b);
  const result = { calls, p50Us: percentile(samples, 50), p99Us: percentile(samples, 99), hostCpuUsPerCall: (cpu.user + cpu.system) / calls,
    agentCpuUsPerCall: (agentAfter.user + agentAfter.system - agentBefore.user - agentBefore.system) / calls,
  };
  child.disconnect();
  await once(child, 'exit');
  await host.close();
  if (args.includes('--json')) console.log(JSON.stringify(result));
  else console.log(`AgentHost -> GuestAgent Echo.Say, ${calls} sequential calls: p50 ${result.p50Us.toFixed(0)} us, p99 ${result.p99Us.toFixed(0)} us, CPU per call: host ${result.hostCpuUsPerCall.toFixed(0)} us, agent ${result.agentCpuUsPerCall.toFixed(0)} us`);
}

if (args[0] === '--agent') await runAgent(args[1] ?? '');
else await runHost();
