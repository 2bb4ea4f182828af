/** undici's fetch and request() through createVmDispatcher over a VM socket carrier. */
import { Readable } from 'node:stream';
import { expect } from 'chai';
import { fetch, request as undiciRequest, type Agent } from 'undici';
import { createVmDispatcher } from '@vmrpc/http/undici';
import { expectNoFdLeak, openFdCount, payload, rejection, sha256, within } from '../../support/checks.js';
import { BULK, createTestApp, type TestApp } from '../support/app.js';
import type { Carrier, Served } from '../support/carriers.js';
import { waitFor } from './http1-suite.js';

export function undiciSuite(carrier: Carrier): void {
  describe(`undici fetch through createVmDispatcher over ${carrier.name}`, function () {
    let app: TestApp;
    let served: Served;
    let dispatcher: Agent;
    let fdBaseline: number;

    beforeEach(async function () {
      fdBaseline = openFdCount();
      app = createTestApp();
      served = await carrier.start(app.server);
      dispatcher = createVmDispatcher({ target: served.target });
    });

    afterEach(async function () {
      await dispatcher.destroy();
      await served.close();
      await expectNoFdLeak(fdBaseline);
    });

    it('fetches a 4 MiB body intact, with the URL host as the Host header', async function () {
      const response = await within(15_000, 'fetch', fetch('http://api.internal/bulk', { dispatcher }));
      expect(response.status).to.equal(200);
      expect(sha256(Buffer.from(await response.arrayBuffer()))).to.equal(BULK.hash);
      const peer = (await (await fetch('http://api.internal:9000/peer', { dispatcher })).json()) as { host: string };
      expect(peer.host).to.equal('api.internal:9000');
    });

    it('streams a request body up while the response streams down', async function () {
      const chunks = Array.from({ length: 64 }, () => payload(64 * 1024).data);
      const response = await within(
        15_000,
        'fetch',
        fetch('http://guest/echo', { dispatcher, method: 'POST', body: Readable.toWeb(Readable.from(chunks)) as ReadableStream, duplex: 'half' }),
      );
      const received: Buffer[] = [];
      for await (const chunk of response.body!) received.push(Buffer.from(chunk));
      expect(sha256(received)).to.equal(sha256(chunks));
    });

    it('keeps the connection alive across requests (one socket for three fetches)', async function () {
      // undici may dial a second connection for a request dispatched just before the previous
      // one is marked complete; with one connection per origin, reuse is the only way through.
      const single = createVmDispatcher({ target: served.target, connections: 1 });
      for (let i = 0; i < 3; i++) {
        const response = await fetch('http://guest/peer', { dispatcher: single });
        expect(response.status).to.equal(200);
        await response.arrayBuffer();
      }
      await single.destroy();
      expect(app.connections()).to.equal(1);
    });

    it('aborts a fetch with its AbortSignal, and the server sees the connection close', async function () {
      const controller = new AbortController();
      const pending = fetch('http://guest/hang', { dispatcher, signal: controller.signal });
      await within(5000, 'request reaching the server', waitFor(() => app.hanging.size === 1));
      controller.abort();
      const error = await rejection(pending);
      expect(error.name).to.equal('AbortError');
      await within(5000, 'server seeing the close', waitFor(() => app.hanging.size === 0));
    });

    it("bounds a silent server by undici's headersTimeout", async function () {
      const impatient = createVmDispatcher({ target: served.target, headersTimeout: 200 });
      try {
        const error = await rejection(undiciRequest('http://guest/hang', { dispatcher: impatient }));
        expect(error.code).to.equal('UND_ERR_HEADERS_TIMEOUT');
      } finally {
        await impatient.destroy();
      }
    });

    it('fails the body when the server vanishes mid-body', async function () {
      const response = await fetch('http://guest/cut', { dispatcher });
      const error = await rejection(response.arrayBuffer());
      expect(error.name).to.equal('TypeError');
      expect((error as Error & { cause?: { code?: string } }).cause?.code).to.equal('UND_ERR_SOCKET');
    });
  });
}
