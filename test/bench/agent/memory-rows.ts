/**
 * Memory figures: RSS of an AgentHost process idle and with one agent, of an idle agent process,
 * and the cost of each of N idle agents (one connection each) to the host and to the agents' side.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from '../processes.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const MiB = 2 ** 20;

export interface MemoryFigures {
  hostIdleMiB: number;
  hostOneAgentMiB: number;
  idleAgentProcessMiB: number;
  /** Absent when qemu-ga is not installed. */
  qgaProcessMiB: number | undefined;
  agents: number;
  hostPerAgentKiB: number;
  agentSidePerAgentKiB: number;
}

/** VmRSS of another process. */
export function rssOf(pid: number): number {
  const kib = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  if (kib === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kib) * 1024;
}

function field(line: string, index: number): number {
  return Number(line.split(' ')[index]);
}

/** `examplePid`, `qgaPid`: running idle agent processes. Everything is bounded by `boundMs`. */
export async function measureMemory(examplePid: number, qgaPid: number | undefined, listenTarget: string, dialTarget: string, agents: number, boundMs: number): Promise<MemoryFigures> {
  const host = start(process.execPath, ['--expose-gc', path.join(here, 'memory-host.js'), listenTarget, String(agents)]);
  const idle = field(await host.line(/^rss-idle /, boundMs), 1);
  const many = start(process.execPath, ['--expose-gc', path.join(here, 'many-agents.js'), dialTarget, String(agents)]);
  const agentStart = field(await many.line(/^rss-start /, boundMs), 1);
  const one = field(await host.line(/^rss-agents 1 /, boundMs), 2);
  const all = field(await host.line(new RegExp(`^rss-agents ${agents} `), boundMs), 2);
  const agentAll = field(await many.line(/^rss-registered /, boundMs), 2);
  many.child.stdin!.end();
  host.child.stdin!.end();
  await Promise.all([many.done(boundMs), host.done(boundMs)]);
  return {
    hostIdleMiB: idle / MiB,
    hostOneAgentMiB: one / MiB,
    idleAgentProcessMiB: rssOf(examplePid) / MiB,
    qgaProcessMiB: qgaPid === undefined ? undefined : rssOf(qgaPid) / MiB,
    agents,
    hostPerAgentKiB: (all - one) / (agents - 1) / 1024,
    agentSidePerAgentKiB: (agentAll - agentStart) / agents / 1024,
  };
}
