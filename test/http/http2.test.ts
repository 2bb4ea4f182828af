/** HTTP/2 over Unix sockets and hybrid vsock (stand-in) on the host; TLS (h2 via ALPN); bad peers. */
import * as http2 from 'node:http2';
import { expect } from 'chai';
import { http2Connector, serve } from '@vmrpc/http';
import { expectNoFdLeak, openFdCount, rejection, sha256, socketPath } from '../support/checks.js';
import { makeLocalhostCertificate } from '../support/tls.js';
import { BULK } from './support/app.js';
import { hostCarriers, unixCarrier } from './support/carriers.js';
import { h2Request, handleTestStreams } from './support/h2.js';
import { rawExchange } from './support/raw.js';
import { http2Suite } from './suites/http2-suite.js';

for (const carrier of hostCarriers) http2Suite(carrier, carrier === unixCarrier ? 'unix' : undefined);

describe('HTTP/2 on serve(): TLS and bad peers', function () {
  let fdBaseline: number;
  beforeEach(() => (fdBaseline = openFdCount()));
  afterEach(() => expectNoFdLeak(fdBaseline));

  it('serves a secure HTTP/2 server (h2 negotiated by ALPN over the VM socket)', async function () {
    this.timeout(30_000);
    const cert = makeLocalhostCertificate();
    const server = http2.createSecureServer({ cert: cert.cert, key: cert.key });
    handleTestStreams(server);
    const target = `unix:${socketPath('h2s')}`;
    const listener = await serve(server, target);
    const session = http2.connect('https://localhost', { createConnection: http2Connector(target, { tls: { ca: cert.cert } }) });
    try {
      const reply = await h2Request(session, '/bulk');
      expect(sha256(reply.body)).to.equal(BULK.hash);
      expect(session.alpnProtocol).to.equal('h2');
      const untrusting = http2.connect('https://localhost', { createConnection: http2Connector(target) });
      const error = await rejection(new Promise((resolve, reject) => untrusting.once('connect', resolve).once('error', reject)));
      expect(error.code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
      untrusting.destroy();
    } finally {
      session.destroy();
      await listener.close(1000);
    }
  });

  it('closes a peer that sends garbage instead of the HTTP/2 preface', async function () {
    const server = http2.createServer();
    const target = `unix:${socketPath('h2-garbage')}`;
    const listener = await serve(server, target);
    try {
      const result = await rawExchange(target, [Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n')], 5000);
      expect(result.closedAfterMs).to.be.below(5000);
    } finally {
      await listener.close(1000);
    }
  });

  it("closes a silent peer at the server's idle timeout (server.setTimeout)", async function () {
    const server = http2.createServer();
    server.setTimeout(300);
    const target = `unix:${socketPath('h2-silent')}`;
    const listener = await serve(server, target);
    try {
      const result = await rawExchange(target, [], 5000);
      expect(result.closedAfterMs).to.be.below(3000);
    } finally {
      await listener.close(1000);
    }
  });
});
