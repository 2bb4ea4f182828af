/** Fastify and Koa apps served on a VM socket by serve(), called through VmHttpAgent, peer and bodies checked. */
import * as http from 'node:http';
import { expect } from 'chai';
import Fastify from 'fastify';
import Koa from 'koa';
import { VmHttpAgent, peerOf, serve } from '@vmrpc/http';
import { expectNoFdLeak, openFdCount, payload, sha256, socketPath } from '../support/checks.js';
import { request } from './support/http-client.js';

describe('web frameworks on serve()', function () {
  let fdBaseline: number;
  beforeEach(() => (fdBaseline = openFdCount()));
  afterEach(() => expectNoFdLeak(fdBaseline));

  it('Fastify: app.server served after app.ready(); a 1 MiB body round-trips; peerOf(request.raw)', async function () {
    const app = Fastify();
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer', bodyLimit: 8 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    app.post('/hash', async (req) => ({ hash: sha256(req.body as Buffer), peer: peerOf(req.raw)?.family ?? null, uid: (peerOf(req.raw) as { uid?: number } | undefined)?.uid ?? null, host: req.headers.host }));
    await app.ready();
    const target = `unix:${socketPath('fastify')}`;
    const listener = await serve(app.server, target);
    const agent = new VmHttpAgent({ target });
    try {
      const body = payload(1024 * 1024);
      const reply = await request('http://fastify.internal/hash', { agent, method: 'POST', headers: { 'content-type': 'application/octet-stream' } }, body.data);
      expect(reply.status).to.equal(200);
      expect(JSON.parse(reply.body.toString())).to.deep.equal({ hash: body.hash, peer: 'unix', uid: process.getuid!(), host: 'fastify.internal' });
    } finally {
      agent.destroy();
      await listener.close(1000);
      await app.close();
    }
  });

  it('Koa: http.createServer(app.callback()); a 1 MiB body downloads intact', async function () {
    const app = new Koa();
    const body = payload(1024 * 1024);
    app.use((ctx) => {
      ctx.set('x-peer', JSON.stringify((peerOf(ctx.req) as { pid?: number } | undefined)?.pid ?? null));
      ctx.body = body.data;
    });
    const target = `unix:${socketPath('koa')}`;
    const listener = await serve(http.createServer(app.callback()), target);
    const agent = new VmHttpAgent({ target });
    try {
      const reply = await request('http://koa.internal/', { agent });
      expect(sha256(reply.body)).to.equal(body.hash);
      // The client is this process: the kernel reports its pid.
      expect(reply.headers['x-peer']).to.equal(String(process.pid));
    } finally {
      agent.destroy();
      await listener.close(1000);
    }
  });
});
