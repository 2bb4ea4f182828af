// TLS over a VM socket: grpc-js credentials.createSsl() on our channel, ServerCredentials.createSsl()
// on listen(). Runs over a Unix socket here; the bytes path is the same for vsock.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { clientOptions, listen, type VmGrpcListener } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { hasOpenssl, makeLocalhostCertificate, type TestCertificate } from '../support/tls.js';
import { ConformanceClient, conformanceServer } from './conformance-service.js';
import { unary } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';

for (const http2 of HTTP2_ENGINES) describe(`TLS over a VM socket (${http2} HTTP/2)`, () => {
  let certificate: TestCertificate;
  let listener: VmGrpcListener;
  const target = `unix:${socketPath(`tls-${http2}`)}`;

  before(async function () {
    if (!hasOpenssl()) {
      if (process.env.CI === 'true') throw new Error('openssl is needed for the TLS tests');
      this.skip();
    }
    certificate = makeLocalhostCertificate();
    const credentials = grpc.ServerCredentials.createSsl(null, [{ cert_chain: certificate.cert, private_key: certificate.key }]);
    listener = await listen(conformanceServer({ cancelled: 0, peers: [] }), target, { credentials });
  });

  after(async () => {
    await listener?.close(500);
  });

  it('calls succeed with createSsl() trusting the server certificate', async () => {
    const credentials = grpc.credentials.createSsl(certificate.cert);
    const client = new ConformanceClient(target, credentials, clientOptions(target, { credentials, http2 })) as unknown as grpc.Client & Record<string, never>;
    try {
      const response = await within(10_000, 'tls call', unary(client as never, { payload: Buffer.from('secret') }));
      expect(response.payload.toString()).to.equal('secret');
    } finally {
      client.close();
    }
  });

  it('fails with UNAVAILABLE when the certificate is not trusted', async () => {
    const credentials = grpc.credentials.createSsl();
    const client = new ConformanceClient(target, credentials, clientOptions(target, { credentials, http2 })) as unknown as grpc.Client;
    try {
      await unary(client as never, {});
      expect.fail('an untrusted certificate was accepted');
    } catch (error) {
      expect((error as grpc.ServiceError).code).to.equal(grpc.status.UNAVAILABLE);
      expect((error as grpc.ServiceError).details).to.match(/certificate/i);
    } finally {
      client.close();
    }
  });

  it('a plaintext client cannot talk to the TLS server', async () => {
    const client = new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { http2 })) as unknown as grpc.Client;
    try {
      await within(15_000, 'plaintext vs tls', unary(client as never, {}, new grpc.Metadata(), { deadline: Date.now() + 5000 }).then(
        () => expect.fail('plaintext reached a TLS server'),
        (error: grpc.ServiceError) => expect([grpc.status.UNAVAILABLE, grpc.status.DEADLINE_EXCEEDED, grpc.status.INTERNAL]).to.include(error.code),
      ));
    } finally {
      client.close();
    }
  });
});
