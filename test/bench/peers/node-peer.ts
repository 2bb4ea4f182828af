/**
 * The Node peers of the raw-socket benchmark, with the command line of raw-peer.c:
 *   node node-peer.js KIND serve ADDR BYTES          first connection: BYTES in 64 KiB writes; second: pong
 *   node node-peer.js KIND client ADDR BYTES COUNT   read the stream, then COUNT 1-byte round trips
 * KIND: `net` (node:net over a Unix socket), `native-handle` and `portable` (@vmrpc/native's two
 * data paths), `node-vsock` (the other Node vsock addon). ADDR: vsock:PORT (CID 1) or unix:PATH.
 * VMRPC_BENCH_VSOCK_BUFFER (bytes) sets @vmrpc/native's `bufferSize` (SO_VM_SOCKETS_BUFFER_SIZE)
 * on both ends of its vsock rows; unset, the kernel's default (256 KiB) applies as for every peer.
 */
import * as net from 'node:net';
import { rmSync } from 'node:fs';
import { connect as vmConnect, createServer as vmCreateServer, type DataPath } from '@vmrpc/native';
import { NodeVsock } from './node-vsock-adapter.js';

const CHUNK = 64 * 1024;
const vsockBuffer = process.env.VMRPC_BENCH_VSOCK_BUFFER === undefined ? {} : { bufferSize: Number(process.env.VMRPC_BENCH_VSOCK_BUFFER) };

/** What the measurements need of a socket, whatever library it comes from. */
interface PeerSocket {
  on(event: 'data', listener: (chunk: Buffer) => void): unknown;
  on(event: 'end' | 'close', listener: () => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
  /** Resolves when the caller may write again (after 'drain' when the socket asked for it). */
  send(data: Buffer): Promise<void>;
  finish(): void;
  /** Resolves once what was written has left (node-vsock writes synchronously). */
  flushed(): Promise<void>;
}

function fromDuplex(socket: net.Socket | import('node:stream').Duplex): PeerSocket {
  const peer = socket as unknown as PeerSocket;
  peer.send = (data) => (socket.write(data) ? Promise.resolve() : new Promise((resolve) => socket.once('drain', resolve)));
  peer.finish = () => socket.end();
  // 'close' too: a socket the peer closed first may never emit 'finish' (its shutdown fails).
  peer.flushed = () => new Promise((resolve) => (socket.writableFinished || socket.destroyed ? resolve() : socket.once('finish', resolve).once('close', resolve)));
  return peer;
}

function fromNodeVsock(socket: NodeVsock): PeerSocket {
  const peer = socket as unknown as PeerSocket;
  peer.send = (data) => {
    socket.addon.writeBuffer(data);
    return Promise.resolve();
  };
  peer.finish = () => socket.addon.end();
  peer.flushed = () => Promise.resolve();
  return peer;
}

function port(addr: string): number {
  if (!addr.startsWith('vsock:')) throw new Error(`this kind needs ADDR vsock:PORT, not ${addr}`);
  return Number(addr.slice(6));
}

function target(addr: string): string {
  return addr.startsWith('vsock:') ? `vsock:1:${port(addr)}` : addr;
}

/** Listens on ADDR, prints "ready"; `next()` resolves with each connection in turn. */
async function serve(kind: string, addr: string): Promise<{ next(): Promise<PeerSocket>; close(): void }> {
  const accepted: PeerSocket[] = [];
  const waiting: ((socket: PeerSocket) => void)[] = [];
  const arrived = (socket: PeerSocket): void => {
    const waiter = waiting.shift();
    if (waiter === undefined) accepted.push(socket);
    else waiter(socket);
  };
  const next = (): Promise<PeerSocket> => {
    const socket = accepted.shift();
    return socket !== undefined ? Promise.resolve(socket) : new Promise((resolve) => waiting.push(resolve));
  };
  let close: () => void;
  if (kind === 'net') {
    const path = addr.replace(/^unix:/, '');
    rmSync(path, { force: true });
    const server = net.createServer((socket) => arrived(fromDuplex(socket)));
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(path, resolve));
    close = () => server.close();
  } else if (kind === 'node-vsock') {
    const server = new NodeVsock();
    server.on('connection', (socket: NodeVsock) => arrived(fromNodeVsock(socket)));
    server.addon.listen(port(addr));
    close = () => server.addon.close();
  } else {
    const server = vmCreateServer({ dataPath: kind as DataPath, ...vsockBuffer }, (socket) => arrived(fromDuplex(socket)));
    await server.listen(addr.startsWith('vsock:') ? `vsock:any:${port(addr)}` : addr);
    close = () => server.close();
  }
  process.stdout.write('ready\n');
  return { next, close: () => close() };
}

function dial(kind: string, addr: string): Promise<PeerSocket> {
  if (kind === 'net') {
    return new Promise((resolve, reject) => {
      const socket = net.connect(addr.replace(/^unix:/, ''), () => resolve(fromDuplex(socket)));
      socket.once('error', reject);
    });
  }
  if (kind === 'node-vsock') {
    return new Promise((resolve, reject) => {
      const socket = new NodeVsock();
      socket.once('connect', () => resolve(fromNodeVsock(socket)));
      socket.once('error', reject);
      socket.addon.connect(1, port(addr));
    });
  }
  return vmConnect(target(addr), { dataPath: kind as DataPath, ...vsockBuffer }).then(fromDuplex);
}

async function streamOut(socket: PeerSocket, bytes: number): Promise<void> {
  // Every byte was written once the client ends its side (it counts them); an error after that,
  // such as a shutdown on a connection the client already closed, changes nothing measured.
  socket.on('error', (error) => process.stderr.write(`stream connection: ${error.message}\n`));
  // Read the client's side too, so its end closes this connection and the process can end.
  socket.on('data', () => undefined);
  const chunk = Buffer.alloc(CHUNK, 1);
  for (let sent = 0; sent < bytes; sent += CHUNK) await socket.send(chunk);
  socket.finish();
  await socket.flushed();
}

function streamIn(socket: PeerSocket, bytes: number): Promise<string> {
  const started = process.hrtime.bigint();
  let received = 0;
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk) => (received += chunk.length));
    socket.on('error', reject);
    socket.on('end', () => {
      if (received !== bytes) reject(new Error(`received ${received} bytes, expected ${bytes}`));
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      resolve(`mibps ${(received / 2 ** 20 / seconds).toFixed(3)}`);
    });
  });
}

function pong(socket: PeerSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.on('data', (chunk) => void socket.send(chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      socket.finish();
      void socket.flushed().then(resolve);
    });
  });
}

async function ping(socket: PeerSocket, count: number): Promise<string> {
  const latencies: string[] = [];
  let answered: (() => void) | undefined;
  let failed: ((error: Error) => void) | undefined;
  socket.on('data', () => answered?.());
  // A server that went away must end the run with an error, not leave it waiting for a pong.
  socket.on('error', (error) => failed?.(error));
  socket.on('end', () => failed?.(new Error(`the server ended the connection after ${latencies.length} of ${count} round trips`)));
  const one = Buffer.from('x');
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve, reject) => {
      answered = resolve;
      failed = reject;
      void socket.send(one);
    });
    latencies.push((Number(process.hrtime.bigint() - started) / 1000).toFixed(1));
  }
  failed = undefined;
  socket.finish();
  return `us ${latencies.join(' ')}`;
}

const [kind = '', role = '', addr = '', bytesText = '', countText = ''] = process.argv.slice(2);
if (!['net', 'native-handle', 'portable', 'node-vsock'].includes(kind)) throw new Error(`unknown KIND ${kind}`);
const bytes = Number(bytesText);
if (role === 'serve') {
  const server = await serve(kind, addr);
  await streamOut(await server.next(), bytes);
  await pong(await server.next());
  server.close();
} else if (role === 'client') {
  console.log(await streamIn(await dial(kind, addr), bytes));
  console.log(await ping(await dial(kind, addr), Number(countText)));
} else {
  throw new Error(`unknown role ${role}`);
}
// Every other kind ends as Node's own processes do, once its connections closed: process.exit()
// right after busy JS can hang on Node 24 and later (nodejs/node#54918: a background compile
// waits for a garbage collection the exiting main thread never runs). node-vsock's addon keeps
// threads alive, so its runs must leave that way.
if (kind === 'node-vsock') process.exit(0);
