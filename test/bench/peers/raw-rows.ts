/**
 * The raw-socket rows of `pnpm bench:vm`: 256 MiB in 64 KiB writes and 1-byte ping-pong, each
 * between two processes of the same peer (C, Python, node-vsock, node:net over a Unix socket,
 * @vmrpc/native native-handle and portable). All speak the command line of raw-peer.c: one
 * server and one client process per peer and round, the stream on a first connection, the
 * ping-pong on a second.
 */
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { start } from '../processes.js';
import { afterWarmUp, DEFAULT_WARM_UP, percentile } from '../stats.js';

const here = path.dirname(fileURLToPath(import.meta.url));
/** The sources (not copied by tsc): test/bench/peers beside test/.build/bench/peers. */
const sources = path.resolve(here, '../../../bench/peers');
const nodePeer = path.join(here, 'node-peer.js');

export const STREAM_BYTES = 256 << 20;
const VSOCK_BUFFER_ROW = '@vmrpc/native native-handle, 4 MiB vsock buffer';
/** Ping-pong round trips measured after the warm-up (which may take up to DEFAULT_WARM_UP's cap). */
export const PING_COUNT = 400;

export interface RawPeer {
  name: string;
  argv: string[];
  /** Environment of both processes beyond this one's (a setting of the peer). */
  env?: Record<string, string>;
  /** Over vsock loopback, or over a Unix socket (node:net's row, and every row of a dry run). */
  unix: boolean;
}

export interface RawFigures {
  mibps: number;
  p50Us: number;
  p99Us: number;
  steady: boolean;
}

/** Builds the C peer into `dir` with the system compiler; returns the binary. */
export function buildCPeer(dir: string): string {
  const binary = path.join(dir, 'raw-peer');
  execFileSync('cc', ['-O2', '-o', binary, path.join(sources, 'raw-peer.c')], { stdio: 'inherit' });
  return binary;
}

/**
 * The peers; `vsock` false gives a dry run over Unix sockets (no node-vsock row then), and no
 * `cBinary` (no C compiler) leaves the C rows out.
 */
export function rawPeers(cBinary: string | undefined, vsock: boolean): RawPeer[] {
  const node = (kind: string): string[] => [process.execPath, nodePeer, kind];
  const c = (peer: Omit<RawPeer, 'argv'>): RawPeer[] => (cBinary === undefined ? [] : [{ ...peer, argv: [cBinary] }]);
  const peers: RawPeer[] = [
    ...c({ name: 'C read/write', unix: !vsock }),
    // The kernel's own pace over a Unix socket: what node:net's row is measured against.
    ...c({ name: 'C read/write, Unix socket', unix: true }),
    { name: 'Python socket', argv: ['/usr/bin/python3', path.join(sources, 'raw-peer.py')], unix: !vsock },
    { name: 'node-vsock', argv: node('node-vsock'), unix: false },
    { name: 'node:net, Unix socket', argv: node('net'), unix: true },
    { name: '@vmrpc/native native-handle', argv: node('native-handle'), unix: !vsock },
    { name: '@vmrpc/native portable', argv: node('portable'), unix: !vsock },
    // The same with the `bufferSize` option raised (SO_VM_SOCKETS_BUFFER_SIZE; docs/architecture.md).
    { name: VSOCK_BUFFER_ROW, argv: node('native-handle'), unix: false, env: { VMRPC_BENCH_VSOCK_BUFFER: String(4 << 20) } },
  ];
  // node-vsock is an optional dependency: a prebuilt linux-x64 binary only.
  const withNodeVsock = vsock && nodeVsockInstalled();
  const vsockOnly = ['C read/write, Unix socket', VSOCK_BUFFER_ROW];
  return peers.filter((peer) => (peer.name !== 'node-vsock' || withNodeVsock) && (vsock || !vsockOnly.includes(peer.name)));
}

function nodeVsockInstalled(): boolean {
  try {
    createRequire(import.meta.url).resolve('node-vsock-linux-x64-gnu');
    return true;
  } catch {
    return false;
  }
}

let nextPort = 9100;

function address(peer: RawPeer, dir: string): string {
  nextPort++;
  return peer.unix ? `unix:${path.join(dir, `raw-${nextPort}.sock`)}` : `vsock:${nextPort}`;
}

/** One round of one peer: the stream, then the ping-pong. */
export async function measureRawPeer(peer: RawPeer, dir: string): Promise<RawFigures> {
  const addr = address(peer, dir);
  const [command, ...args] = peer.argv as [string, ...string[]];
  const total = DEFAULT_WARM_UP.batch * DEFAULT_WARM_UP.maxBatches + PING_COUNT;
  const env = peer.env === undefined ? undefined : { ...process.env, ...peer.env };
  const serving = start(command, [...args, 'serve', addr, String(STREAM_BYTES)], env);
  await serving.line(/^ready$/, 30_000);
  const output = await start(command, [...args, 'client', addr, String(STREAM_BYTES), String(total)], env).done(300_000);
  await serving.done(30_000);
  const mibps = Number(/^mibps (\S+)/m.exec(output)?.[1]);
  const all = (/^us (.*)$/m.exec(output)?.[1] ?? '').split(' ').map(Number);
  if (!(mibps > 0) || all.length !== total) throw new Error(`${peer.name}: unreadable output: ${output.slice(0, 300)}`);
  const { samples, steady } = afterWarmUp(all);
  const measured = samples.slice(0, PING_COUNT);
  return { mibps, p50Us: percentile(measured, 50), p99Us: percentile(measured, 99), steady };
}
