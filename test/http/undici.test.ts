/** undici over Unix sockets and hybrid vsock (stand-in) on the host, plus TLS and connect failures. */
import * as https from 'node:https';
import { expect } from 'chai';
import { fetch } from 'undici';
import { createVmDispatcher } from '@vmrpc/http/undici';
import { FirecrackerMuxerStandIn } from '../support/firecracker-muxer-standin.js';
import { expectNoFdLeak, openFdCount, rejection, sha256, socketPath } from '../support/checks.js';
import { makeLocalhostCertificate } from '../support/tls.js';
import { BULK, createTestApp } from './support/app.js';
import { hostCarriers, unixCarrier } from './support/carriers.js';
import { undiciSuite } from './suites/undici-suite.js';

for (const carrier of hostCarriers) undiciSuite(carrier);

describe('createVmDispatcher: TLS, connect failures, bad input', function () {
  let fdBaseline: number;
  beforeEach(() => (fdBaseline = openFdCount()));
  afterEach(() => expectNoFdLeak(fdBaseline));

  it('fetches https: URLs over TLS on the VM socket (tlsOptions.ca)', async function () {
    this.timeout(30_000);
    const cert = makeLocalhostCertificate();
    const app = createTestApp();
    const server = https.createServer({ cert: cert.cert, key: cert.key }, app.server.listeners('request')[0] as () => void);
    const served = await unixCarrier.start(server);
    const dispatcher = createVmDispatcher({ target: served.target, tlsOptions: { ca: cert.cert } });
    try {
      const response = await fetch('https://localhost/bulk', { dispatcher });
      expect(sha256(Buffer.from(await response.arrayBuffer()))).to.equal(BULK.hash);
      const untrusting = createVmDispatcher({ target: served.target });
      const error = await rejection(fetch('https://localhost/peer', { dispatcher: untrusting }));
      expect((error as Error & { cause?: { code?: string } }).cause?.code).to.equal('DEPTH_ZERO_SELF_SIGNED_CERT');
      await untrusting.destroy();
    } finally {
      await dispatcher.destroy();
      await served.close();
    }
  });

  it("works with Node's global fetch too", async function () {
    const app = createTestApp();
    const served = await unixCarrier.start(app.server);
    const dispatcher = createVmDispatcher({ target: served.target });
    try {
      const response = await globalThis.fetch('http://guest/bulk', { dispatcher } as unknown as RequestInit);
      expect(sha256(Buffer.from(await response.arrayBuffer()))).to.equal(BULK.hash);
    } finally {
      await dispatcher.destroy();
      await served.close();
    }
  });

  it('fails with ETIMEDOUT at connectTimeout when the VMM never answers CONNECT', async function () {
    const muxer = new FirecrackerMuxerStandIn(socketPath('fc-silent'), { replyOverride: () => 'silent' });
    await muxer.start();
    muxer.guestListen(80, () => undefined);
    const dispatcher = createVmDispatcher({ target: `hybrid-vsock:${muxer.udsPath}:80`, connectTimeout: 200 });
    try {
      const error = await rejection(fetch('http://guest/', { dispatcher }));
      expect((error as Error & { cause?: { code?: string } }).cause?.code).to.equal('ETIMEDOUT');
    } finally {
      await dispatcher.destroy();
      await muxer.stop();
    }
  });

  it('fails with the VM socket error when nothing listens', async function () {
    const dispatcher = createVmDispatcher({ target: `unix:${socketPath('nobody')}` });
    try {
      const error = await rejection(fetch('http://guest/', { dispatcher }));
      expect((error as Error & { cause?: { code?: string } }).cause?.code).to.equal('ENOENT');
    } finally {
      await dispatcher.destroy();
    }
  });

  it('rejects a malformed target when the dispatcher is made', function () {
    expect(() => createVmDispatcher({ target: 'vsock:1' })).to.throw().with.property('code', 'ERR_VMRPC_INVALID_TARGET');
    expect(() => createVmDispatcher({ target: 42 as never })).to.throw(TypeError, /target/);
  });
});
