/** ws over Unix sockets and hybrid vsock (stand-in) on the host, and wss (TLS) on Unix. */
import * as https from 'node:https';
import { expect } from 'chai';
import { WebSocket, WebSocketServer } from 'ws';
import { VmHttpsAgent, peerOf, serve } from '@vmrpc/http';
import { expectNoFdLeak, openFdCount, payload, sha256, socketPath, within } from '../support/checks.js';
import { makeLocalhostCertificate } from '../support/tls.js';
import { hostCarriers, unixCarrier } from './support/carriers.js';
import { wsSuite } from './suites/ws-suite.js';

for (const carrier of hostCarriers) wsSuite(carrier, carrier === unixCarrier ? 'unix' : undefined);

describe('WebSocket over TLS (wss) on a VM socket', function () {
  it('echoes a 1 MiB message over wss with the peer visible to the server', async function () {
    this.timeout(30_000);
    const fdBaseline = openFdCount();
    const cert = makeLocalhostCertificate();
    const server = https.createServer({ cert: cert.cert, key: cert.key });
    const wss = new WebSocketServer({ server });
    const peers: unknown[] = [];
    wss.on('connection', (socket, req) => {
      peers.push(peerOf(req));
      socket.on('message', (data) => socket.send(data));
    });
    const target = `unix:${socketPath('wss')}`;
    const listener = await serve(server, target);
    const agent = new VmHttpsAgent({ target, ca: cert.cert });
    try {
      const socket = new WebSocket('wss://localhost/', { agent });
      await within(10_000, 'open', new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject)));
      const message = payload(1024 * 1024);
      socket.send(message.data);
      const echo = await within(10_000, 'echo', new Promise<Buffer>((resolve) => socket.once('message', resolve)));
      expect(sha256(echo)).to.equal(message.hash);
      expect(peers).to.have.length(1);
      socket.close();
      await within(5000, 'close', new Promise((resolve) => socket.once('close', resolve)));
    } finally {
      await new Promise((resolve) => wss.close(resolve));
      agent.destroy();
      await listener.close(1000);
    }
    await expectNoFdLeak(fdBaseline);
  });
});
