// listen()'s security defaults: connections per peer, and the HTTP/2 preface within a bound.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { connect, type DataPathOption, type VmSocket } from '@vmrpc/native';
import { clientOptions, listen, peerIdentity, type ListenOptions, type VmGrpcListener } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { ConformanceClient, conformanceServer } from './conformance-service.js';
import { unary } from './conformance-suite.js';

const PREFACE = 'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n';

/** Resolves with how long the listener took to close `socket` (bounded). */
function closedWithin(socket: VmSocket, ms: number): Promise<number> {
  const started = Date.now();
  socket.resume();
  return within(ms, 'the listener to close the connection', new Promise((resolve) => socket.once('close', () => resolve(Date.now() - started))));
}

describe('listen() limits', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(options: ListenOptions = {}): Promise<{ target: string; listener: VmGrpcListener }> {
    const target = `unix:${socketPath('limits')}`;
    const listener = await listen(conformanceServer({ cancelled: 0, peers: [] }), target, options);
    cleanups.push(() => listener.close(0));
    return { target, listener };
  }

  function newClient(target: string): ConformanceClient {
    const client = new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target)) as unknown as ConformanceClient;
    cleanups.push(() => client.close());
    return client;
  }

  async function open(target: string): Promise<VmSocket> {
    const socket = await connect(target);
    socket.on('error', () => undefined);
    cleanups.push(() => socket.destroy());
    return socket;
  }

  it('peerIdentity() names the VM, not the connection', () => {
    expect(peerIdentity({ family: 'vsock', cid: 3, port: 1025 })).to.equal('vsock:3');
    expect(peerIdentity({ family: 'hybrid-vsock', path: '/run/v.sock', port: 1234 })).to.equal('hybrid-vsock:/run/v.sock');
    expect(peerIdentity({ family: 'unix', path: '/run/x.sock' })).to.equal('unix:/run/x.sock');
  });

  it('closes connections beyond maxConnectionsPerPeer on arrival, and admits again once one closes', async () => {
    const { target, listener } = await serve({ maxConnectionsPerPeer: 2 });
    const first = await open(target);
    first.write(PREFACE);
    (await open(target)).write(PREFACE);
    const third = await open(target);
    await closedWithin(third, 5000);
    expect(listener.refusedConnections).to.equal(1);
    first.destroy();
    await new Promise((resolve) => setTimeout(resolve, 100));
    const client = newClient(target);
    expect((await within(5000, 'a call on a freed slot', unary(client, { payload: Buffer.from('in') }))).payload.toString()).to.equal('in');
  });

  it('allows 64 connections per peer by default', async () => {
    const { target, listener } = await serve();
    const sockets = await Promise.all(Array.from({ length: 64 }, () => open(target)));
    for (const socket of sockets) socket.write(PREFACE);
    const extra = await open(target);
    await closedWithin(extra, 5000);
    expect(listener.refusedConnections).to.equal(1);
    expect(sockets.every((socket) => !socket.destroyed)).to.equal(true);
  });

  for (const dataPath of ['native-handle', 'portable'] as DataPathOption[]) {
    it(`closes peers that stay silent past handshakeTimeoutMs or do not speak HTTP/2, and serves the rest (${dataPath})`, async () => {
      const { target, listener } = await serve({ handshakeTimeoutMs: 300, dataPath });
      const silent = closedWithin(await open(target), 5000);
      const http1Socket = await open(target);
      const http1 = closedWithin(http1Socket, 2000);
      http1Socket.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
      const slowSocket = await open(target);
      const slowPreface = closedWithin(slowSocket, 5000);
      slowSocket.write(PREFACE.slice(0, 10));
      expect(await http1).to.be.below(250);
      expect(await silent).to.be.at.least(250);
      expect(await slowPreface).to.be.at.least(250);
      expect(listener.refusedConnections).to.equal(3);
      // The preface read for the check reaches HTTP/2 intact: calls work, the first byte included.
      const client = newClient(target);
      expect((await unary(client, { payload: Buffer.from('ok') })).payload.toString()).to.equal('ok');
    });
  }
});
