/**
 * Micro-benchmark (not a timed test): N sequential tiny gRPC-shaped exchanges (request headers,
 * a 16-byte message, response headers, a 16-byte message, trailers) over a Unix socket, our
 * engine on both ends vs node:http2 on both ends. The server runs in a child process, so each
 * side's CPU time per exchange is its own process's (user + system).
 *
 *   node test/.build/transport/h2/h2-bench.js [--calls N]
 */
import { createH2Session, type H2Stream, type H2StreamListener, type HeaderList } from '@vmrpc/transport';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { socketPath } from '../../support/checks.js';

type Kind = 'engine' | 'node';
const MESSAGE = Buffer.alloc(21, 7); // a 5-byte gRPC prefix and 16 bytes
const REQUEST: HeaderList = [':method', 'POST', ':scheme', 'http', ':path', '/bench.Echo/Say', ':authority', 'localhost', 'content-type', 'application/grpc', 'te', 'trailers'];
const RESPONSE: HeaderList = [':status', '200', 'content-type', 'application/grpc'];
const TRAILERS: HeaderList = ['grpc-status', '0'];

/** Server side of an exchange on our engine: answer once the request ended. */
class EchoStream implements H2StreamListener {
  constructor(private readonly stream: H2Stream) {}
  onHeaders(): void {}
  onData(data: Buffer, endStream: boolean): void {
    this.stream.consume(data.length);
    if (!endStream) return;
    this.stream.sendHeaders(RESPONSE, false);
    this.stream.sendData(MESSAGE, false);
    this.stream.sendHeaders(TRAILERS, true);
  }
  onReset(): void {}
}

function serve(kind: Kind, path: string): void {
  const ready = (): void => void process.send?.('ready');
  process.on('message', () => process.send?.(process.cpuUsage()));
  process.on('disconnect', () => process.exit(0));
  if (kind === 'engine') {
    net.createServer((socket) => createH2Session(socket, { role: 'server', onStream: (stream) => new EchoStream(stream) })).listen(path, ready);
    return;
  }
  const server = http2.createServer();
  server.on('stream', (stream) => {
    stream.on('data', () => {});
    stream.on('end', () => {
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.once('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(MESSAGE);
    });
  });
  server.listen(path, ready);
}

/** Client side on our engine: resolves when the trailers arrive. */
class ExchangeListener implements H2StreamListener {
  stream: H2Stream | undefined;
  constructor(private readonly done: () => void) {}
  onHeaders(_headers: HeaderList, endStream: boolean): void {
    if (endStream) this.done();
  }
  onData(data: Buffer): void {
    this.stream?.consume(data.length);
  }
  onReset(code: number): void {
    throw new Error(`stream reset with ${code}`);
  }
}

async function engineClient(path: string): Promise<{ exchange(): Promise<void>; close(): void }> {
  const socket = net.connect(path);
  await once(socket, 'connect');
  const session = createH2Session(socket, { role: 'client' });
  return {
    exchange: () =>
      new Promise<void>((resolve) => {
        const listener = new ExchangeListener(resolve);
        listener.stream = session.request(REQUEST, false, listener);
        listener.stream.sendData(MESSAGE, true);
      }),
    close: () => session.destroy(),
  };
}

async function nodeClient(path: string): Promise<{ exchange(): Promise<void>; close(): void }> {
  const session = http2.connect('http://localhost', { createConnection: () => net.connect(path) });
  await once(session, 'connect');
  const headers = { ':method': 'POST', ':path': '/bench.Echo/Say', 'content-type': 'application/grpc', te: 'trailers' };
  return {
    exchange: () =>
      new Promise<void>((resolve, reject) => {
        const request = session.request(headers);
        request.on('data', () => {});
        request.once('trailers', () => resolve());
        request.once('error', reject);
        request.end(MESSAGE);
      }),
    close: () => session.destroy(),
  };
}

async function childCpu(child: ChildProcess): Promise<NodeJS.CpuUsage> {
  child.send('cpu');
  const [usage] = (await once(child, 'message')) as [NodeJS.CpuUsage];
  return usage;
}

const cpuMicros = (usage: NodeJS.CpuUsage): number => usage.user + usage.system;

async function measure(kind: Kind, calls: number): Promise<{ wallUs: number; clientCpuUs: number; serverCpuUs: number }> {
  const path = socketPath(`h2bench-${kind}`);
  const child = fork(fileURLToPath(import.meta.url), ['--serve', kind, path]);
  await once(child, 'message');
  const client = kind === 'engine' ? await engineClient(path) : await nodeClient(path);
  for (let i = 0; i < Math.min(2000, calls); i++) await client.exchange(); // warm-up
  const serverBefore = await childCpu(child);
  const clientBefore = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < calls; i++) await client.exchange();
  const wallUs = ((performance.now() - start) * 1000) / calls;
  const clientCpuUs = cpuMicros(process.cpuUsage(clientBefore)) / calls;
  const serverCpuUs = (cpuMicros(await childCpu(child)) - cpuMicros(serverBefore)) / calls;
  client.close();
  child.disconnect();
  await once(child, 'exit');
  return { wallUs, clientCpuUs, serverCpuUs };
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--serve') return serve(args[1] as Kind, args[2]!);
  const at = args.indexOf('--calls');
  const calls = at >= 0 ? Number(args[at + 1]) || 20000 : 20000;
  const rows: Array<[string, Awaited<ReturnType<typeof measure>>]> = [];
  for (const kind of ['node', 'engine', 'node', 'engine'] as const) rows.push([kind, await measure(kind, calls)]);
  const best = (kind: Kind): Awaited<ReturnType<typeof measure>> =>
    rows.filter(([k]) => k === kind).map(([, r]) => r).reduce((a, b) => (a.clientCpuUs + a.serverCpuUs <= b.clientCpuUs + b.serverCpuUs ? a : b));
  console.log(`${calls} sequential exchanges per run, best of two runs each`);
  console.log('side-by-side            wall us/exchange   client CPU us   server CPU us');
  for (const kind of ['node', 'engine'] as const) {
    const r = best(kind);
    const name = kind === 'node' ? 'node:http2 <-> node:http2' : 'engine <-> engine';
    console.log(`${name.padEnd(26)}${r.wallUs.toFixed(1).padStart(12)}${r.clientCpuUs.toFixed(1).padStart(16)}${r.serverCpuUs.toFixed(1).padStart(16)}`);
  }
  const node = best('node');
  const engine = best('engine');
  console.log(
    `engine / node: wall ${(engine.wallUs / node.wallUs).toFixed(2)}, client CPU ${(engine.clientCpuUs / node.clientCpuUs).toFixed(2)}, server CPU ${(engine.serverCpuUs / node.serverCpuUs).toFixed(2)}`,
  );
}

await main();
