/** SystemInfo: the guest at a glance, from node:os and /proc (nothing is run). */
import { readFileSync } from 'node:fs';
import * as os from 'node:os';
import { localCid, VMADDR_CID_ANY } from '@vmrpc/native';
import type { DeepPartial } from '@vmrpc/rpc';
import type { SystemInfoResponse } from '../generated/vmrpc/examples/guest/v1/guest';

/** MemAvailable counts reclaimable caches, which os.freemem() (MemFree) leaves out. */
function availableMemory(): number {
  try {
    const match = /^MemAvailable:\s+(\d+) kB$/m.exec(readFileSync('/proc/meminfo', 'latin1'));
    if (match !== null) return Number(match[1]) * 1024;
  } catch {
    // Not Linux: MemFree is the closest there is.
  }
  return os.freemem();
}

/** The CID, or undefined without a vsock device (an ioctl on /dev/vsock: nothing is sent). */
function vsockCid(): number | undefined {
  try {
    const cid = localCid();
    return cid === VMADDR_CID_ANY ? undefined : cid;
  } catch {
    return undefined;
  }
}

let cpuModelCache: string | undefined;

/**
 * The CPU model, read once: os.cpus() parses /proc/cpuinfo and /proc/stat for every CPU (about
 * 55 us natively on 2 vCPUs, more with more), and the model does not change while the guest runs.
 */
function cpuModel(): string {
  cpuModelCache ??= os.cpus()[0]?.model.trim() ?? '';
  return cpuModelCache;
}

/** Answers SystemInfo. */
export function systemInfo(): DeepPartial<SystemInfoResponse> {
  return {
    hostname: os.hostname(),
    kernel: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    uptimeSeconds: os.uptime(),
    loadAverage: os.loadavg(),
    memoryTotalBytes: BigInt(os.totalmem()),
    memoryAvailableBytes: BigInt(availableMemory()),
    cpuCount: os.availableParallelism(),
    cpuModel: cpuModel(),
    localCid: vsockCid(),
  };
}
