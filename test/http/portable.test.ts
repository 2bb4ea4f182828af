/**
 * The portable data path (a Duplex of @vmrpc/native, not a net.Socket: what Windows and Node
 * builds without pipe_wrap get) under node:http, undici and node:http2, both ends.
 */
import * as http2 from 'node:http2';
import { expect } from 'chai';
import { fetch } from 'undici';
import { VmHttpAgent, http2Connector, serve, type VmHttpListener } from '@vmrpc/http';
import { createVmDispatcher } from '@vmrpc/http/undici';
import { expectNoFdLeak, openFdCount, sha256, socketPath } from '../support/checks.js';
import { BULK, createTestApp, type TestApp } from './support/app.js';
import { request } from './support/http-client.js';
import { h2Request, handleTestStreams } from './support/h2.js';

describe('the portable data path under HTTP clients and servers', function () {
  let fdBaseline: number;
  let app: TestApp;
  let listener: VmHttpListener;
  let target: string;

  beforeEach(async function () {
    fdBaseline = openFdCount();
    app = createTestApp();
    target = `unix:${socketPath('portable')}`;
    listener = await serve(app.server, target, { dataPath: 'portable' });
  });

  afterEach(async function () {
    await listener.close(1000);
    await expectNoFdLeak(fdBaseline);
  });

  it('node:http keep-alive pooling works on portable sockets (setKeepAlive is a no-op there)', async function () {
    const agent = new VmHttpAgent({ target, keepAlive: true, dataPath: 'portable' });
    try {
      const first = await request('http://guest/bulk', { agent });
      const second = await request('http://guest/bulk', { agent });
      expect(sha256(first.body)).to.equal(BULK.hash);
      expect(sha256(second.body)).to.equal(BULK.hash);
      expect(second.reused).to.equal(true);
      expect(app.connections()).to.equal(1);
    } finally {
      agent.destroy();
    }
  });

  it('undici fetch works on portable sockets', async function () {
    const dispatcher = createVmDispatcher({ target, dataPath: 'portable' });
    try {
      const response = await fetch('http://guest/bulk', { dispatcher });
      expect(sha256(Buffer.from(await response.arrayBuffer()))).to.equal(BULK.hash);
    } finally {
      await dispatcher.destroy();
    }
  });

  it('node:http2 works on portable sockets, client and server', async function () {
    const server = http2.createServer();
    handleTestStreams(server);
    const h2Target = `unix:${socketPath('portable-h2')}`;
    const h2Listener = await serve(server, h2Target, { dataPath: 'portable' });
    const session = http2.connect('http://guest', { createConnection: http2Connector(h2Target, { dataPath: 'portable' }) });
    try {
      expect(sha256((await h2Request(session, '/bulk')).body)).to.equal(BULK.hash);
    } finally {
      session.destroy();
      await h2Listener.close(1000);
    }
  });
});
