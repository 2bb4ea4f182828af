/** Connect-RPC (Connect, gRPC, gRPC-Web) over Unix sockets and hybrid vsock (stand-in) on the host, and gRPC over TLS. */
import * as http2 from 'node:http2';
import { expect } from 'chai';
import { createClient } from '@connectrpc/connect';
import { Http2SessionManager, createGrpcTransport } from '@connectrpc/connect-node';
import { http2Connector, serve } from '@vmrpc/http';
import { expectNoFdLeak, openFdCount, payload, sha256, socketPath } from '../support/checks.js';
import { makeLocalhostCertificate } from '../support/tls.js';
import { ChecksumService } from './connect/gen/vmrpc/httptest/v1/checksum_pb.js';
import { checksumHandler } from './connect/service.js';
import { hostCarriers, unixCarrier } from './support/carriers.js';
import { connectSuite } from './suites/connect-suite.js';

for (const carrier of hostCarriers) connectSuite(carrier, carrier === unixCarrier ? 'unix:unnamed-peer' : undefined);

describe('Connect-RPC: gRPC over TLS (h2 by ALPN) on a VM socket', function () {
  it('calls a Connect router on a secure HTTP/2 server', async function () {
    this.timeout(30_000);
    const fdBaseline = openFdCount();
    const cert = makeLocalhostCertificate();
    const target = `unix:${socketPath('connect-tls')}`;
    const listener = await serve(http2.createSecureServer({ cert: cert.cert, key: cert.key }, checksumHandler()), target);
    const sessions = new Http2SessionManager('https://localhost', undefined, { createConnection: http2Connector(target, { tls: { ca: cert.cert } }) });
    try {
      const client = createClient(ChecksumService, createGrpcTransport({ baseUrl: 'https://localhost', sessionManager: sessions }));
      const sent = payload(256 * 1024);
      const reply = await client.echo({ data: sent.data });
      expect(sha256(Buffer.from(reply.data))).to.equal(sent.hash);
    } finally {
      sessions.abort();
      await listener.close(1000);
    }
    await expectNoFdLeak(fdBaseline);
  });
});
