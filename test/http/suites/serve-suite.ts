/**
 * serve(): admission (authorize, per-peer limit), the server's own timeouts against slow and
 * garbage peers, the peer in handlers, TLS, and close(). Runs over any carrier whose server side
 * is serve() (Unix on the host, vsock loopback in the VM harness).
 */
import * as https from 'node:https';
import { expect } from 'chai';
import { VmHttpAgent, VmHttpsAgent, serve, type ServeOptions } from '@vmrpc/http';
import type { VmAddress } from '@vmrpc/native';
import { cleanupsWithoutFdLeaks, rejection, sha256, within } from '../../support/checks.js';
import { makeLocalhostCertificate, type TestCertificate } from '../../support/tls.js';
import { BULK, createTestApp } from '../support/app.js';
import type { Carrier } from '../support/carriers.js';
import { request } from '../support/http-client.js';
import { rawExchange } from '../support/raw.js';
import { waitFor } from './http1-suite.js';

export function serveSuite(carrier: Carrier, expectedPeerFamily: VmAddress['family'] | undefined): void {
  describe(`serve() over ${carrier.name}`, function () {
    const cleanups = cleanupsWithoutFdLeaks();

    async function start(options?: ServeOptions, serverOptions?: Parameters<typeof createTestApp>[0]) {
      const app = createTestApp(serverOptions);
      const served = await carrier.start(app.server, options);
      const agent = new VmHttpAgent({ target: served.target, keepAlive: true });
      cleanups.push(() => served.close(), () => agent.destroy());
      return { app, served, agent };
    }

    it('gives handlers the kernel-verified peer through peerOf(req)', async function () {
      const { agent } = await start();
      const reply = await request('http://guest/peer', { agent });
      const body = JSON.parse(reply.body.toString()) as { peer: VmAddress | null; ip: string | null };
      if (expectedPeerFamily === undefined) expect(body.peer).to.equal(null);
      else expect(body.peer?.family).to.equal(expectedPeerFamily);
      // Express's req.ip is the socket's remoteAddress: the peer as a target string.
      if (expectedPeerFamily === 'vsock') expect(body.ip).to.match(/^vsock:1:\d+$/);
    });

    it('refuses a peer that authorize() rejects, before any byte is read', async function () {
      const seen: Array<VmAddress | undefined> = [];
      const { agent, served, app } = await start({
        authorize: (peer) => {
          seen.push(peer);
          return false;
        },
      });
      const error = await rejection(request('http://guest/peer', { agent }));
      expect(error.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
      expect(seen).to.have.length(1);
      expect(served.listener?.refusedConnections).to.equal(1);
      expect(app.connections()).to.equal(0);
    });

    it('refuses when authorize() throws or outlasts authorizeTimeoutMs', async function () {
      const throwing = await start({ authorize: () => { throw new Error('no'); } });
      await rejection(request('http://guest/peer', { agent: throwing.agent }));
      const slow = await start({ authorize: () => new Promise<boolean>(() => undefined), authorizeTimeoutMs: 100 });
      const started = Date.now();
      await rejection(request('http://guest/peer', { agent: slow.agent }));
      expect(Date.now() - started).to.be.below(3000);
      expect(throwing.served.listener?.refusedConnections).to.equal(1);
      expect(slow.served.listener?.refusedConnections).to.equal(1);
    });

    it('limits connections per peer (maxConnectionsPerPeer)', async function () {
      const { agent, served } = await start({ maxConnectionsPerPeer: 1 });
      await request('http://guest/peer', { agent }); // its socket stays open in the pool
      const second = new VmHttpAgent({ target: served.target });
      cleanups.push(() => second.destroy());
      const error = await rejection(request('http://guest/peer', { agent: second }));
      expect(error.code).to.be.oneOf(['ECONNRESET', 'EPIPE']);
      expect(served.listener?.refusedConnections).to.equal(1);
    });

    it('closes connections beyond maxConnections on arrival', async function () {
      const { agent, served } = await start({ maxConnections: 1 });
      await request('http://guest/peer', { agent }); // its socket stays open in the pool
      const second = new VmHttpAgent({ target: served.target });
      cleanups.push(() => second.destroy());
      await rejection(request('http://guest/peer', { agent: second }));
      expect(served.listener?.refusedConnections).to.equal(1);
    });

    it('answers garbage instead of HTTP with 400 and closes', async function () {
      const { served } = await start();
      const result = await rawExchange(served.target, [Buffer.from('\x16\x03\x01garbage that is not HTTP\r\n\r\n', 'latin1')], 5000);
      expect(result.received).to.match(/^HTTP\/1\.1 400 Bad Request/);
    });

    it('closes a slowloris peer at the server headersTimeout', async function () {
      const { served } = await start({}, { headersTimeout: 300, requestTimeout: 600, connectionsCheckingInterval: 50 });
      const trickle = Array.from({ length: 100 }, (_, i) => Buffer.from(i === 0 ? 'GET / HTTP/1.1\r\n' : `x-${i}: y\r\n`));
      const result = await rawExchange(served.target, trickle, 5000, 50);
      // The trickle would last 5 s. The 408 can be lost when the server's close crosses a piece
      // in flight (the kernel then resets the connection), so the bound is what is asserted.
      expect(result.closedAfterMs).to.be.below(2000);
      if (result.received !== '') expect(result.received).to.match(/^HTTP\/1\.1 408 Request Timeout/);
    });

    it('close() ends idle keep-alive connections at once and busy ones after the grace period', async function () {
      const { agent, served, app } = await start();
      await request('http://guest/peer', { agent });
      const hanging = rejection(request('http://guest/hang', { agent: new VmHttpAgent({ target: served.target }) }));
      await within(5000, 'request reaching the server', waitFor(() => app.hanging.size === 1));
      const closedEvent = new Promise((resolve) => app.server.once('close', resolve));
      const started = Date.now();
      await within(5000, 'close()', served.close());
      expect(Date.now() - started).to.be.below(2500);
      await hanging;
      await within(1000, "the server's 'close' event", closedEvent);
    });

    describe('with TLS (https.Server and VmHttpsAgent)', function () {
      let cert: TestCertificate;
      before(function () {
        this.timeout(30_000);
        cert = makeLocalhostCertificate();
      });

      it('serves an https.Server: body intact, TLS session resumed on a new connection, peer visible', async function () {
        const app = createTestApp();
        const server = https.createServer({ cert: cert.cert, key: cert.key }, app.server.listeners('request')[0] as () => void);
        const served = await carrier.start(server);
        const agent = new VmHttpsAgent({ target: served.target, ca: cert.cert, keepAlive: false });
        cleanups.push(() => served.close(), () => agent.destroy());
        const bulk = await request('https://localhost/bulk', { agent });
        expect(sha256(bulk.body)).to.equal(BULK.hash);
        const peer = await request('https://localhost/peer', { agent });
        const body = JSON.parse(peer.body.toString()) as { peer: VmAddress | null };
        expect(body.peer?.family ?? null).to.equal(expectedPeerFamily ?? null);
        expect((peer.socket as { isSessionReused(): boolean }).isSessionReused()).to.equal(true);
      });

      it('refuses a server certificate the client does not trust', async function () {
        const app = createTestApp();
        const server = https.createServer({ cert: cert.cert, key: cert.key }, app.server.listeners('request')[0] as () => void);
        const served = await carrier.start(server);
        const agent = new VmHttpsAgent({ target: served.target });
        cleanups.push(() => served.close(), () => agent.destroy());
        const error = await rejection(request('https://localhost/peer', { agent }));
        expect(error.code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
      });
    });

    it('rejects bad arguments with errors that say what to pass', async function () {
      const app = createTestApp();
      expect(await rejection(serve(null as never, 'unix:/tmp/x.sock'))).to.have.property('message').that.match(/http\.Server/);
      const badTarget = await rejection(serve(app.server, 'tcp:127.0.0.1:80'));
      expect(badTarget.code).to.equal('ERR_VMRPC_INVALID_TARGET');
      const badAuthorize = await rejection(serve(app.server, 'unix:/tmp/x.sock', { authorize: 'yes' as never }));
      expect(badAuthorize.message).to.match(/authorize must be a function/);
      expect((await rejection(serve(app.server, 'unix:/tmp/x.sock', { maxConnectionsPerPeer: 0 }))).message).to.match(/maxConnectionsPerPeer must be a positive number/);
      expect((await rejection(serve(app.server, 'unix:/tmp/x.sock', { maxConnections: -1 }))).message).to.match(/maxConnections must be a positive number/);
      for (const authorizeTimeoutMs of [2 ** 31, Infinity]) {
        const tooLong = await rejection(serve(app.server, 'unix:/tmp/x.sock', { authorize: () => true, authorizeTimeoutMs }));
        expect(tooLong.code).to.equal('ERR_OUT_OF_RANGE');
        expect(tooLong.message).to.match(/authorizeTimeoutMs must be at most 2147483647 ms/);
      }
      expect(() => new VmHttpAgent({ target: 'vsock:three:80' })).to.throw(/CID/).with.property('code', 'ERR_VMRPC_INVALID_TARGET');
      const noTarget = new VmHttpAgent();
      cleanups.push(() => noTarget.destroy());
      const error = await rejection(request('http://guest/', { agent: noTarget }));
      expect(error.message).to.match(/no VM target; pass `target`/);
    });
  });
}
