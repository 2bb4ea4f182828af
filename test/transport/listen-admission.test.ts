// The admission steps @vmrpc/transport exports, composed by a server that is not grpc-js: a
// node:http server fed by a native VM server through admitConnections().
import { createHash } from 'node:crypto';
import * as http from 'node:http';
import { expect } from 'chai';
import { connect, createServer, type VmAddress, type VmServer, type VmSocket } from '@vmrpc/native';
import { admitConnections, authorizeWithin, PeerCounter, type AdmissionOptions } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';

const BODY = Buffer.alloc(256 * 1024, 'vmrpc admission ');
const BODY_SHA = createHash('sha256').update(BODY).digest('hex');

function get(path: string): Promise<{ status: number; sha: string }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ socketPath: path, path: '/', agent: false }, (response) => {
      const hash = createHash('sha256');
      response.on('data', (chunk: Buffer) => hash.update(chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, sha: hash.digest('hex') }));
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

function closed(socket: VmSocket): Promise<void> {
  socket.resume();
  return new Promise((resolve) => socket.once('close', () => resolve()));
}

describe('admission (admitConnections) under a node:http server', () => {
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serveHttp(options: AdmissionOptions): Promise<{ path: string; refused: () => number; reasons: string[]; admitted: Array<Promise<void>> }> {
    const path = socketPath('admission');
    const httpServer = http.createServer((_request, response) => response.end(BODY));
    const vmServer: VmServer = createServer({ pauseOnConnect: true });
    const reasons: string[] = [];
    // One promise per admitted socket, settled on its 'close' (listened to from admission on).
    const admitted: Array<Promise<void>> = [];
    const admission = admitConnections(vmServer, { ...options, onRefused: (_address, reason) => reasons.push(reason) }, ({ socket }) => {
      admitted.push(new Promise((resolve) => socket.once('close', () => resolve())));
      httpServer.emit('connection', socket);
      socket.resume();
    });
    await vmServer.listen(`unix:${path}`);
    cleanups.push(() => new Promise<void>((resolve) => vmServer.close(() => resolve())));
    cleanups.push(() => httpServer.closeAllConnections());
    cleanups.push(() => admission.stop());
    return { path, refused: () => admission.refusedConnections, reasons, admitted };
  }

  it('hands admitted sockets to http.Server: bytes arrive exactly, authorize saw the peer', async () => {
    const seen: Array<VmAddress | undefined> = [];
    const { path } = await serveHttp({ authorize: (peer) => (seen.push(peer), true) });
    const response = await within(5000, 'GET', get(path));
    expect(response).to.deep.equal({ status: 200, sha: BODY_SHA });
    expect(seen).to.have.length(1);
  });

  it('refuses over the per-peer limit and when authorize says no, throws, or does not answer in time', async () => {
    const limited = await serveHttp({ maxConnectionsPerPeer: 1 });
    const first = await connect(`unix:${limited.path}`);
    cleanups.push(() => first.destroy());
    const second = await connect(`unix:${limited.path}`);
    await within(3000, 'second closed', closed(second));
    expect(limited.refused()).to.equal(1);
    expect(limited.reasons[0]).to.match(/^too many connections from unix:/);

    for (const authorize of [() => false, () => { throw new Error('no'); }, () => new Promise<boolean>(() => undefined)]) {
      const { path, refused, reasons } = await serveHttp({ authorize, authorizeTimeoutMs: 200 });
      const socket = await connect(`unix:${path}`);
      await within(3000, 'refused connection closed', closed(socket));
      expect(refused()).to.equal(1);
      expect(reasons[0]).to.match(/not authorized/);
    }
  });

  it('a shared PeerCounter makes one limit over every listener and dialer that counts with it', async () => {
    const peers = new PeerCounter(1);
    const { path, refused, admitted } = await serveHttp({ peers });
    const identity = `unix:${path}`;
    // A connection of the same peer counted elsewhere (another listener, or a link this side dialed).
    expect(peers.take(identity)).to.equal(true);
    const socket = await connect(`unix:${path}`);
    await within(3000, 'refused', closed(socket));
    expect(refused()).to.equal(1);
    peers.release(identity);
    expect(await within(5000, 'GET', get(path))).to.deep.equal({ status: 200, sha: BODY_SHA });
    // The admitted connection gives its count back when it closes (the client asked for `Connection: close`).
    expect(admitted).to.have.length(1);
    await within(3000, 'server side closed', admitted[0]!);
    expect(peers.count(identity)).to.equal(0);
  });
});

describe('authorizeWithin()', () => {
  it('is true only for a true answer in time; throws, rejections and timeouts refuse, and say why', async () => {
    const errors: string[] = [];
    const onError = (error: Error): number => errors.push(error.message);
    expect(await authorizeWithin(() => true, 100, onError)).to.equal(true);
    expect(await authorizeWithin(() => Promise.resolve(true), 100, onError)).to.equal(true);
    expect(await authorizeWithin(() => false, 100, onError)).to.equal(false);
    expect(await authorizeWithin(() => 'yes' as unknown as boolean, 100, onError)).to.equal(false);
    expect(await authorizeWithin(() => { throw new Error('thrown'); }, 100, onError)).to.equal(false);
    expect(await authorizeWithin(() => Promise.reject(new Error('rejected')), 100, onError)).to.equal(false);
    const started = Date.now();
    expect(await authorizeWithin(() => new Promise<boolean>(() => undefined), 100, onError)).to.equal(false);
    expect(Date.now() - started).to.be.within(90, 1000);
    expect(errors).to.deep.equal(['thrown', 'rejected', 'authorize did not answer within 100 ms']);
  });
});
