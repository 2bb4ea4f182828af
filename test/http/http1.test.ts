/** HTTP/1.1 clients and servers over Unix sockets and hybrid vsock (stand-in muxer) on the host. */
import * as http from 'node:http';
import { expect } from 'chai';
import { VmHttpAgent } from '@vmrpc/http';
import { FirecrackerMuxerStandIn } from '../support/firecracker-muxer-standin.js';
import { expectNoFdLeak, openFdCount, rejection, socketPath } from '../support/checks.js';
import { hostCarriers } from './support/carriers.js';
import { request } from './support/http-client.js';
import { http1Suite } from './suites/http1-suite.js';

for (const carrier of hostCarriers) http1Suite(carrier);

describe('VmHttpAgent while connecting (a VMM that never answers CONNECT)', function () {
  let fdBaseline: number;
  let muxer: FirecrackerMuxerStandIn;
  let target: string;

  beforeEach(async function () {
    fdBaseline = openFdCount();
    muxer = new FirecrackerMuxerStandIn(socketPath('fc-silent'), { replyOverride: () => 'silent', requestTimeoutMs: 60_000 });
    await muxer.start();
    muxer.guestListen(80, () => undefined);
    target = `hybrid-vsock:${muxer.udsPath}:80`;
  });

  afterEach(async function () {
    await muxer.stop();
    await expectNoFdLeak(fdBaseline);
  });

  it('fails the request with ETIMEDOUT at connectTimeout', async function () {
    const agent = new VmHttpAgent({ target, connectTimeout: 200 });
    try {
      const started = Date.now();
      const error = await rejection(request('http://guest/', { agent }));
      expect(error.code).to.equal('ETIMEDOUT');
      expect(Date.now() - started).to.be.below(3000);
    } finally {
      agent.destroy();
    }
  });

  it("aborts the connect with the request's AbortSignal", async function () {
    const agent = new VmHttpAgent({ target, connectTimeout: 30_000 });
    const controller = new AbortController();
    try {
      const pending = request('http://guest/', { agent, signal: controller.signal } as http.RequestOptions);
      setImmediate(() => controller.abort());
      const error = await rejection(pending);
      expect(error.name).to.equal('AbortError');
    } finally {
      agent.destroy();
    }
  });
});
