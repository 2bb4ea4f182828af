/** node:http2 over a VM socket carrier: http2.connect with http2Connector, an HTTP/2 server fed by the carrier. */
import * as http2 from 'node:http2';
import { expect } from 'chai';
import { http2Connector } from '@vmrpc/http';
import { expectNoFdLeak, openFdCount, payload, rejection, sha256, within } from '../../support/checks.js';
import { BULK } from '../support/app.js';
import type { Carrier, Served } from '../support/carriers.js';
import { h2Request, handleTestStreams } from '../support/h2.js';

export function http2Suite(carrier: Carrier, expectedPeerFamily?: string): void {
  describe(`HTTP/2 over ${carrier.name}`, function () {
    let server: http2.Http2Server;
    let served: Served;
    let session: http2.ClientHttp2Session;
    let connections: number;
    let fdBaseline: number;

    beforeEach(async function () {
      fdBaseline = openFdCount();
      // 8 concurrent 4 MiB responses outgrow nghttp2's default 10 MB session memory.
      server = http2.createServer({ maxSessionMemory: 64 });
      handleTestStreams(server);
      connections = 0;
      server.on('connection', () => connections++);
      served = await carrier.start(server);
      session = http2.connect('http://guest.internal', { createConnection: http2Connector(served.target) });
      session.on('error', () => undefined);
    });

    afterEach(async function () {
      session.destroy();
      await served.close();
      await expectNoFdLeak(fdBaseline);
    });

    it('runs 8 concurrent streams on one connection, bodies intact, :authority from the URL', async function () {
      const replies = await Promise.all(Array.from({ length: 8 }, () => h2Request(session, '/bulk')));
      for (const reply of replies) expect(sha256(reply.body)).to.equal(BULK.hash);
      const peer = JSON.parse((await h2Request(session, '/peer')).body.toString()) as { peer: { family: string } | null; authority: string };
      expect(peer.authority).to.match(/^guest\.internal(:80)?$/);
      expect(peer.peer?.family ?? null).to.equal(expectedPeerFamily ?? null);
      expect(connections).to.equal(1);
    });

    it('streams 4 MiB up while it is echoed down', async function () {
      const chunks = Array.from({ length: 64 }, () => payload(64 * 1024).data);
      const reply = await h2Request(session, '/echo', chunks);
      expect(sha256(reply.body)).to.equal(sha256(chunks));
    });

    it('aborts a stream with its AbortSignal; the session stays usable', async function () {
      const controller = new AbortController();
      const pending = h2Request(session, '/echo', [Buffer.alloc(1)].concat(Array.from({ length: 10_000 }, () => Buffer.alloc(1024))), { signal: controller.signal });
      controller.abort();
      expect((await rejection(pending)).name).to.equal('AbortError');
      expect((await h2Request(session, '/bulk')).body.length).to.equal(BULK.data.length);
    });

    it('fails the stream when the server vanishes mid-body', async function () {
      const error = await rejection(h2Request(session, '/cut'));
      expect(error.code).to.be.oneOf(['ERR_HTTP2_STREAM_ERROR', 'ERR_HTTP2_SESSION_ERROR', 'ECONNRESET']);
      await within(5000, 'session close', new Promise((resolve) => (session.closed || session.destroyed ? resolve(undefined) : session.once('close', resolve))));
    });
  });
}
