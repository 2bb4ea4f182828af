/**
 * `pnpm bench:profile`: where the time of a tiny AgentHost -> GuestAgent unary call goes, and of
 * a 1-byte ping-pong over @vmrpc/native's native-handle path vs node:net, on this machine over
 * Unix sockets (a guest only slows everything down alike). Prints self time per layer per call.
 *   node run-profiles.js [agent|ping]... (default both); VMRPC_PROFILE_DIR keeps the profiles.
 */
import { mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentHost } from '@vmrpc/rpc';
import { EchoService } from '../../rpc/generated/vmrpc/echo/v1/echo.js';
import { start, stopAll } from '../processes.js';
import { percentile, timeMany, warmUp } from '../stats.js';
import { formatSummary, summarize } from './cpu-profile.js';
import { startProfile } from './inspector-profiler.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.env.VMRPC_PROFILE_DIR ?? mkdtempSync(path.join(tmpdir(), 'vmrpc-profile-'));
mkdirSync(dir, { recursive: true });
const CALLS = 4000;
const PINGS = 40_000;

async function profileAgentCall(): Promise<void> {
  const target = `unix:${path.join(dir, 'agents.sock')}`;
  const host = new AgentHost();
  await host.listen(target);
  const agentFile = path.join(dir, 'agent.cpuprofile');
  const agent = start(process.execPath, [path.join(here, 'profiled-agent.js'), target, 'profiled', agentFile]);
  await agent.line(/^registered$/, 30_000);
  const echo = host.agent('profiled').client(EchoService);
  const once = (): Promise<unknown> => echo.say({ message: 'x' }, { timeoutMs: 10_000 });
  await warmUp(once, { batch: 200, tolerance: 0.1, maxBatches: 10 });
  agent.child.stdin!.write('start\n');
  await agent.line(/^started$/, 10_000);
  const hostFile = path.join(dir, 'host.cpuprofile');
  const stop = await startProfile(hostFile);
  const started = process.hrtime.bigint();
  const latencies = await timeMany(once, CALLS);
  const wallMs = Number(process.hrtime.bigint() - started) / 1e6;
  await stop();
  agent.child.stdin!.write('stop\n');
  await agent.line(/^stopped$/, 10_000);
  console.log(`tiny AgentHost -> GuestAgent unary (Echo.Say), ${CALLS} calls over a Unix socket: wall ${((wallMs * 1000) / CALLS).toFixed(0)} us per call, p50 ${percentile(latencies, 50).toFixed(0)} us, p99 ${percentile(latencies, 99).toFixed(0)} us`);
  console.log(formatSummary('host (AgentHost, HTTP/2 client over the call link)', summarize(hostFile), CALLS));
  console.log(formatSummary('agent (GuestAgent, its engine server on the call link)', summarize(agentFile), CALLS));
  agent.child.stdin!.end();
  await agent.done(10_000);
  await host.close(1000);
}

async function profilePing(kind: string): Promise<void> {
  const addr = `unix:${path.join(dir, `${kind}.sock`)}`;
  const profiles = path.join(dir, kind);
  const node = (role: string, ...rest: string[]): string[] => ['--cpu-prof', '--cpu-prof-dir', path.join(profiles, role), path.join(here, '../peers/node-peer.js'), kind, role, addr, ...rest];
  // No stream (0 bytes on the first connection): the profiles are the ping-pong's.
  const server = start(process.execPath, node('serve', '0'));
  await server.line(/^ready$/, 30_000);
  const output = await start(process.execPath, node('client', '0', String(PINGS))).done(300_000);
  await server.done(30_000);
  const latencies = (/^us (.*)$/m.exec(output)?.[1] ?? '').split(' ').slice(PINGS / 4).map(Number);
  console.log(`1-byte ping-pong, ${kind}, ${latencies.length} round trips after ${PINGS / 4} of warm-up: p50 ${percentile(latencies, 50)} us, p99 ${percentile(latencies, 99)} us, p99.9 ${percentile(latencies, 99.9)} us (whole processes profiled)`);
  for (const role of ['client', 'serve']) {
    const file = readdirSync(path.join(profiles, role))[0]!;
    console.log(formatSummary(`${kind} ${role}`, summarize(path.join(profiles, role, file)), PINGS));
  }
}

const wanted = process.argv.slice(2);
try {
  if (wanted.length === 0 || wanted.includes('agent')) await profileAgentCall();
  if (wanted.length === 0 || wanted.includes('ping')) for (const kind of ['net', 'native-handle']) await profilePing(kind);
  console.log(`profiles in ${dir}`);
} finally {
  stopAll();
}
process.exit(0);
