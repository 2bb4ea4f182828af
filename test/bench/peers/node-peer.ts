/**
 * The Node peers of the raw-socket benchmark, with the command line of raw-peer.c:
 *   node node-peer.js KIND serve ADDR stream BYTES | serve ADDR pong | client ADDR stream BYTES | client ADDR ping COUNT
 * KIND: `net` (node:net over a Unix socket), `native-handle` and `portable` (@vmrpc/native's two
 * data paths), `node-vsock` (the other Node vsock addon). ADDR: vsock:PORT (CID 1) or unix:PATH.
 */
import * as net from 'node:net';
import { rmSync } from 'node:fs';
import { connect as vmConnect, createServer as vmCreateServer, type DataPath } from '@vmrpc/native';
import { NodeVsock } from './node-vsock-adapter.js';

const CHUNK = 64 * 1024;

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
  peer.flushed = () => new Promise((resolve) => (socket.writableFinished ? resolve() : socket.once('finish', resolve)));
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

/** Listens on ADDR, prints "ready", resolves with the first connection. */
function serve(kind: string, addr: string): Promise<PeerSocket> {
  return new Promise((resolve, reject) => {
    const ready = (): void => void process.stdout.write('ready\n');
    if (kind === 'net') {
      const path = addr.replace(/^unix:/, '');
      rmSync(path, { force: true });
      const server = net.createServer((socket) => {
        server.close();
        resolve(fromDuplex(socket));
      });
      server.once('error', reject);
      server.listen(path, ready);
    } else if (kind === 'node-vsock') {
      const server = new NodeVsock();
      server.once('connection', (socket: NodeVsock) => resolve(fromNodeVsock(socket)));
      server.once('error', reject);
      server.addon.listen(port(addr));
      ready();
    } else {
      const server = vmCreateServer({ dataPath: kind as DataPath }, (socket) => {
        server.close();
        resolve(fromDuplex(socket));
      });
      server.listen(addr.startsWith('vsock:') ? `vsock:any:${port(addr)}` : addr).then(ready, reject);
    }
  });
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
  return vmConnect(target(addr), { dataPath: kind as DataPath }).then(fromDuplex);
}

async function streamOut(socket: PeerSocket, bytes: number): Promise<void> {
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
  socket.on('data', () => answered?.());
  const one = Buffer.from('x');
  for (let i = 0; i < count; i++) {
    const started = process.hrtime.bigint();
    await new Promise<void>((resolve) => {
      answered = resolve;
      void socket.send(one);
    });
    latencies.push((Number(process.hrtime.bigint() - started) / 1000).toFixed(1));
  }
  socket.finish();
  return `us ${latencies.join(' ')}`;
}

const [kind = '', role = '', addr = '', mode = '', amountText = '0'] = process.argv.slice(2);
if (!['net', 'native-handle', 'portable', 'node-vsock'].includes(kind)) throw new Error(`unknown KIND ${kind}`);
const amount = Number(amountText);
const socket = role === 'serve' ? await serve(kind, addr) : await dial(kind, addr);
if (role === 'serve' && mode === 'stream') await streamOut(socket, amount);
else if (role === 'serve' && mode === 'pong') await pong(socket);
else if (mode === 'stream') console.log(await streamIn(socket, amount));
else if (mode === 'ping') console.log(await ping(socket, amount));
else throw new Error(`unknown mode ${role} ${mode}`);
// node-vsock keeps its addon's threads alive; the measurement is done, so leave.
process.exit(0);
