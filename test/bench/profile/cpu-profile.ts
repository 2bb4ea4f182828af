/**
 * Reading V8 CPU profiles (node --cpu-prof): self time per layer of the stack, from each
 * function's source file, and the functions that cost most.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Layers, first match wins; the url is the function's source file. */
const LAYERS: readonly [string, (url: string, name: string) => boolean][] = [
  ['idle', (_url, name) => name === '(idle)'],
  ['garbage collection', (_url, name) => name === '(garbage collector)'],
  ['HTTP/2 (node:http2, nghttp2)', (url) => url.startsWith('node:internal/http2')],
  ['grpc-js server', (url) => /@grpc\/grpc-js\/build\/src\/server/.test(url)],
  ['grpc-js client (Client, interceptors, call objects)', (url) => /@grpc\/grpc-js\/build\/src\/(client|client-interceptors|call|make-client|call-interface)\.js/.test(url)],
  ['grpc-js (other: metadata, status, decoder)', (url) => url.includes('@grpc/grpc-js/')],
  ['codec (protobufjs, rpc codec)', (url) => url.includes('/protobufjs/') || url.includes('@protobufjs/') || /packages\/rpc\/dist\/(codec|descriptor|runtime)/.test(url)],
  ['agent layer (links, sessions)', (url) => url.includes('packages/rpc/dist/agent/')],
  ['rpc engine server (rpc/server/engine/)', (url) => url.includes('packages/rpc/dist/server/engine/')],
  ['rpc layer (typed client/server)', (url) => url.includes('packages/rpc/dist/')],
  ['HTTP/2 engine (@vmrpc/transport h2/)', (url) => url.includes('packages/transport/dist/h2/')],
  ['vmrpc channel (@vmrpc/transport)', (url) => url.includes('packages/transport/dist/')],
  ['@vmrpc/native (JS side)', (url) => url.includes('packages/native/dist/')],
  ['Node streams, net, sockets', (url) => /^node:(internal\/)?(streams?|net|stream_base_commons|internal\/stream_base_commons)/.test(url) || url.startsWith('node:internal/streams/') || url === 'node:net'],
  ['Node runtime (timers, ticks, events)', (url) => url.startsWith('node:')],
  ['native code, no JS frame', (url, name) => url === '' && name !== '(program)'],
  ['(program): V8/libuv/syscalls outside JS', (_url, name) => name === '(program)'],
  ['benchmark driver', (url) => url.includes('/test/')],
];

export interface LayerShare {
  layer: string;
  ms: number;
  /** Share of the busy (non-idle) time. */
  share: number;
}

export interface ProfileSummary {
  busyMs: number;
  idleMs: number;
  /** Self time of each layer's own functions. */
  layers: LayerShare[];
  /**
   * The same time charged to the nearest caller that belongs to a library layer: Node's
   * runtime, streams and native code count for whoever called them (GC and idle stay apart).
   */
  owners: LayerShare[];
  top: { fn: string; ms: number }[];
}

function layerOf(url: string, name: string): string {
  return LAYERS.find(([, test]) => test(url, name))?.[0] ?? 'other';
}

/** Layers that own the Node code they call. */
const OWNERS = new Set(LAYERS.map(([layer]) => layer).filter((layer) => !/^(idle|garbage|Node |native code|\(program\))/.test(layer)));

function shares(us: Map<string, number>, busyUs: number): LayerShare[] {
  return [...us]
    .filter(([layer]) => layer !== 'idle' && layer !== 'profiler')
    .map(([layer, value]) => ({ layer, ms: value / 1000, share: value / busyUs }))
    .sort((a, b) => b.ms - a.ms);
}

export function summarize(file: string, topCount = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parents = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id);
  // Starting and stopping the in-process profiler shows up in its own window: leave it out.
  const isProfiler = (id: number): boolean => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) if (byId.get(at)!.callFrame.url === 'node:inspector') return true;
    return false;
  };
  const selfUs = new Map<number, number>();
  // timeDeltas[i] is the time before sample i; it belongs to the sample before it.
  for (let i = 0; i < profile.samples.length; i++) {
    const next = profile.timeDeltas[i + 1] ?? 0;
    selfUs.set(profile.samples[i]!, (selfUs.get(profile.samples[i]!) ?? 0) + next);
  }
  const ownerOf = (id: number): string | undefined => {
    for (let at: number | undefined = id; at !== undefined; at = parents.get(at)) {
      const frame = byId.get(at)!.callFrame;
      const layer = layerOf(frame.url, frame.functionName);
      if (OWNERS.has(layer)) return layer;
    }
    return undefined;
  };
  const layers = new Map<string, number>();
  const owners = new Map<string, number>();
  const functions = new Map<string, number>();
  for (const [id, us] of selfUs) {
    if (isProfiler(id)) continue;
    const frame = byId.get(id)!.callFrame;
    const layer = layerOf(frame.url, frame.functionName);
    layers.set(layer, (layers.get(layer) ?? 0) + us);
    const owner = ownerOf(id) ?? layer;
    owners.set(owner, (owners.get(owner) ?? 0) + us);
    const fn = `${frame.functionName || '(anonymous)'} ${frame.url.replace(/^.*\/(node_modules|packages)\//, '')}:${frame.lineNumber + 1}`;
    if (layer !== 'idle') functions.set(fn, (functions.get(fn) ?? 0) + us);
  }
  const idleUs = layers.get('idle') ?? 0;
  const busyUs = [...layers.values()].reduce((a, b) => a + b, 0) - idleUs;
  return {
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    layers: shares(layers, busyUs),
    owners: shares(owners, busyUs),
    top: [...functions].sort((a, b) => b[1] - a[1]).slice(0, topCount).map(([fn, us]) => ({ fn, ms: us / 1000 })),
  };
}

export function formatSummary(title: string, summary: ProfileSummary, calls: number): string {
  const lines = [`${title}: busy ${summary.busyMs.toFixed(0)} ms (${((summary.busyMs * 1000) / calls).toFixed(0)} us per call), idle ${summary.idleMs.toFixed(0)} ms`];
  const row = ({ layer, ms, share }: LayerShare): string => `  ${(share * 100).toFixed(1).padStart(5)}%  ${((ms * 1000) / calls).toFixed(1).padStart(7)} us/call  ${layer}`;
  lines.push('  self time by layer:', ...summary.layers.map(row));
  lines.push('  charged to the calling library layer:', ...summary.owners.map(row));
  lines.push('  top functions (self time):');
  for (const { fn, ms } of summary.top) lines.push(`    ${((ms * 1000) / calls).toFixed(1).padStart(7)} us/call  ${fn}`);
  return lines.join('\n');
}
