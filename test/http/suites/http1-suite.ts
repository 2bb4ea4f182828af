/**
 * HTTP/1.1 over a VM socket carrier: node:http through VmHttpAgent to an Express app. Bodies are
 * checksummed, sockets are counted on both sides, every wait is bounded and every suite ends
 * with no descriptor left open.
 */
import * as http from 'node:http';
import { expect } from 'chai';
import { VmHttpAgent } from '@vmrpc/http';
import { expectNoFdLeak, openFdCount, payload, rejection, sha256, within } from '../../support/checks.js';
import { BULK, createTestApp, type TestApp } from '../support/app.js';
import type { Carrier, Served } from '../support/carriers.js';
import { request } from '../support/http-client.js';

export function http1Suite(carrier: Carrier): void {
  describe(`HTTP/1.1 through VmHttpAgent over ${carrier.name}`, function () {
    let app: TestApp;
    let served: Served;
    let agent: VmHttpAgent;
    let fdBaseline: number;

    beforeEach(async function () {
      fdBaseline = openFdCount();
      app = createTestApp();
      served = await carrier.start(app.server);
      agent = new VmHttpAgent({ target: served.target, keepAlive: true });
    });

    afterEach(async function () {
      agent.destroy();
      await served.close();
      await expectNoFdLeak(fdBaseline);
    });

    it('downloads a 4 MiB body intact, with the URL host as the Host header', async function () {
      const reply = await request('http://api.internal/bulk', { agent });
      expect(reply.status).to.equal(200);
      expect(reply.body.length).to.equal(BULK.data.length);
      expect(sha256(reply.body)).to.equal(BULK.hash);
      const peer = await request('http://api.internal:8080/peer', { agent });
      expect(JSON.parse(peer.body.toString()).host).to.equal('api.internal:8080');
    });

    it('streams a body both ways at once (chunked upload echoed back)', async function () {
      const chunks = Array.from({ length: 64 }, () => payload(64 * 1024).data);
      const reply = await request('http://guest/echo', { agent, method: 'POST' }, chunks);
      expect(reply.status).to.equal(200);
      expect(sha256(reply.body)).to.equal(sha256(chunks));
    });

    it('reuses one pooled socket for sequential keep-alive requests', async function () {
      const first = await request('http://guest/peer', { agent });
      const second = await request('http://guest/peer', { agent });
      const third = await request('http://guest/hash', { agent, method: 'POST' }, Buffer.from('abc'));
      expect([first.reused, second.reused, third.reused]).to.deep.equal([false, true, true]);
      expect(second.socket).to.equal(first.socket);
      expect(app.connections()).to.equal(1);
      expect(JSON.parse(third.body.toString())).to.deep.equal({ bytes: 3, hash: sha256(Buffer.from('abc')) });
    });

    it('keeps one pool per target: the same host name on another target gets its own socket', async function () {
      const other = createTestApp();
      const otherServed = await carrier.start(other.server);
      try {
        await request('http://same-name/peer', { agent });
        await request('http://same-name/peer', { agent, target: otherServed.target } as http.RequestOptions);
        expect(app.connections()).to.equal(1);
        expect(other.connections()).to.equal(1);
        expect(Object.keys(agent.freeSockets)).to.have.length(2);
      } finally {
        await otherServed.close();
      }
    });

    it('aborts a request in flight with its AbortSignal, and the server sees the connection close', async function () {
      const controller = new AbortController();
      const pending = request('http://guest/hang', { agent, signal: controller.signal });
      await within(5000, 'request reaching the server', waitFor(() => app.hanging.size === 1));
      controller.abort();
      const error = await rejection(pending);
      expect(error.name).to.equal('AbortError');
      await within(5000, 'server seeing the close', waitFor(() => app.hanging.size === 0));
    });

    it('times out a request with no answer (request timeout option)', async function () {
      const error = await rejection(
        new Promise((resolve, reject) => {
          const req = http.get('http://guest/hang', { agent, timeout: 200 }, resolve);
          req.once('timeout', () => req.destroy(Object.assign(new Error('request timed out'), { code: 'ETIMEDOUT' })));
          req.once('error', reject);
        }),
      );
      expect(error.code).to.equal('ETIMEDOUT');
    });

    it('fails the response when the server vanishes mid-body', async function () {
      const error = await rejection(request('http://guest/cut', { agent }));
      expect(error.code).to.be.oneOf(['ECONNRESET', 'ERR_STREAM_PREMATURE_CLOSE']);
    });
  });
}

/** Resolves once `condition()` holds, checking on each turn of the event loop (callers bound it). */
export function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (condition()) resolve();
      else setImmediate(check);
    };
    check();
  });
}
