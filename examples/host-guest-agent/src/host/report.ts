/** How the host prints what agents answer: aligned fields, prefixed output lines. */
import { statusName, timestampToDate, RpcError, Status } from '@vmrpc/rpc';
import type { AgentInfo } from '@vmrpc/rpc';
import type { CommandExit, FileInfo, SystemInfoResponse } from '../generated/vmrpc/examples/guest/v1/guest';
import { bytes, clock, duration } from './format';

const INDENT = '    ';

/** Statuses that are the agent's answer (a refusal, a missing file), not a failure of the call. */
const ANSWERS = new Set<number>([Status.NOT_FOUND, Status.PERMISSION_DENIED, Status.INVALID_ARGUMENT, Status.FAILED_PRECONDITION, Status.OUT_OF_RANGE]);

/** One line per field of SystemInfo. */
export function systemInfoLines(info: SystemInfoResponse): string[] {
  const fields: [string, string][] = [
    ['hostname', info.hostname],
    ['kernel', `${info.kernel} (${info.arch})`],
    ['uptime', duration(info.uptimeSeconds)],
    ['load', info.loadAverage.map((value) => value.toFixed(2)).join(' ')],
    ['memory', `${bytes(info.memoryTotalBytes)} total, ${bytes(info.memoryAvailableBytes)} available`],
    ['CPUs', `${info.cpuCount} x ${info.cpuModel || 'unknown model'}`],
    ['local CID', info.localCid === undefined ? 'none (no vsock device)' : String(info.localCid)],
  ];
  return fields.map(([name, value]) => `${INDENT}${name.padEnd(10)} ${value}`);
}

/** One agent in the host's list. */
export function agentLine(agent: AgentInfo): string {
  const since = agent.state === 'offline' ? `offline (${agent.offlineReason ?? 'unknown'})` : `${agent.state} since ${clock(agent.onlineSince)}`;
  return `${INDENT}${agent.id.padEnd(16)} ${since.padEnd(24)} peer ${agent.peer}, hostname ${agent.hostname}, version ${agent.version}`;
}

/** An output line of a command, with the time since the call started. */
export function outputLine(stream: 'out' | 'err', line: string, elapsedMs: number): string {
  return `${INDENT}+${(elapsedMs / 1000).toFixed(3)} s ${stream} | ${line}`;
}

/** How a command ended. */
export function exitLine(exit: CommandExit): string {
  const how = exit.timedOut ? `killed by ${exit.signal} after its timeout` : exit.signal !== '' ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  return `${INDENT}${how}, ran ${exit.durationMs} ms`;
}

/** The header of a file read. */
export function fileInfoLine(info: FileInfo): string {
  const modified = info.modified === undefined ? '' : `, modified ${timestampToDate(info.modified).toISOString()}`;
  return `${INDENT}${info.path}: ${bytes(info.sizeBytes)}${modified}`;
}

/** The first lines of a file's text, or a note that it is binary. */
export function fileContentLines(content: Buffer, shownLines: number): string[] {
  if (content.includes(0)) return [`${INDENT}(binary, ${bytes(content.length)})`];
  const lines = content.toString('utf8').replace(/\n$/, '').split('\n');
  const shown = lines.slice(0, shownLines).map((line) => `${INDENT}| ${line}`);
  const more = lines.length - shownLines;
  if (more > 0) shown.push(`${INDENT}... ${more} more line${more === 1 ? '' : 's'}`);
  shown.push(`${INDENT}${bytes(content.length)} received`);
  return shown;
}

/** A call that ended in an error: the agent's refusal, or a failure. Returns whether it was an answer. */
export function errorLine(error: unknown): { line: string; answered: boolean } {
  if (RpcError.is(error)) {
    const answered = ANSWERS.has(error.code);
    return { line: `${INDENT}${answered ? 'refused' : 'FAILED'}: ${statusName(error.code)}: ${error.details}`, answered };
  }
  return { line: `${INDENT}FAILED: ${(error as Error).message}`, answered: false };
}
