// Closing a session towards a peer that stopped reading: the close must be bounded. A raw Unix
// server that never reads our bytes, our engine in the client role with its writes backed up,
// then drain(): the socket must be destroyed (at once when the final flush filled it, else within
// CLOSE_FLUSH_TIMEOUT_MS) and onClose must fire, with no timer left behind.
import { expect } from 'chai';
import * as net from 'node:net';
import { socketPath, within } from '../../support/checks.js';
import { CLOSE_FLUSH_TIMEOUT_MS } from './internals.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { startEngine, type EngineSession } from './peers.js';

/** PING frames queued in one tick: 3.4 MB, far beyond what the kernel holds for a Unix socket. */
const PINGS = 200_000;

interface DeafServer {
  path: string;
  close(): Promise<void>;
}

/** A Unix server whose connections are never read (accepted paused). */
async function deafServer(): Promise<DeafServer> {
  const path = socketPath('h2deaf');
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ pauseOnConnect: true }, (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  await within(5000, 'listen', new Promise<void>((resolve) => server.listen(path, resolve)));
  return {
    path,
    async close() {
      for (const socket of sockets) socket.destroy();
      await within(5000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
    },
  };
}

async function backedUpClient(path: string, writableHighWaterMark?: number): Promise<EngineSession> {
  // net.Socket hands its options to Duplex, which honours writableHighWaterMark (its types omit it).
  const options: net.SocketConstructorOpts & { writableHighWaterMark?: number } = writableHighWaterMark === undefined ? {} : { writableHighWaterMark };
  const socket = new net.Socket(options);
  socket.connect(path);
  await within(5000, 'connect', new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject)));
  const engine = startEngine(socket, { role: 'client' });
  // Gathered in this tick, flushed only by drain()'s final flush: nothing was blocked before it.
  for (let i = 0; i < PINGS; i++) engine.session.ping(() => {});
  return engine;
}

describe('h2 engine: closing towards a peer that stopped reading', () => {
  let server: DeafServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });
  checkLeaksAroundEachTest();

  it('drain() whose final flush fills the socket destroys it at once, and onClose fires', async () => {
    server = await deafServer();
    const engine = await backedUpClient(server.path);
    engine.session.drain();
    // Well inside the flush bound: this path must not wait for it.
    await within(CLOSE_FLUSH_TIMEOUT_MS / 2, 'onClose after drain()', engine.closed);
    expect(engine.socket.destroyed, 'socket destroyed').to.equal(true);
  });

  it(`drain() on a socket that took the bytes but never flushes them: destroyed within ${CLOSE_FLUSH_TIMEOUT_MS} ms`, async function () {
    this.timeout(CLOSE_FLUSH_TIMEOUT_MS + 20000);
    server = await deafServer();
    // A high-water mark above the whole queue: write() says "accepted", so 'finish' is all we wait for.
    const engine = await backedUpClient(server.path, 64 * 1024 * 1024);
    const started = performance.now();
    engine.session.drain();
    expect(engine.socket.writableLength, 'bytes the peer has not taken').to.be.above(1024 * 1024);
    await within(CLOSE_FLUSH_TIMEOUT_MS + 10000, 'onClose after drain()', engine.closed);
    expect(engine.socket.destroyed, 'socket destroyed').to.equal(true);
    expect(performance.now() - started, 'waited for the flush bound first').to.be.at.least(CLOSE_FLUSH_TIMEOUT_MS - 50);
  });
});
