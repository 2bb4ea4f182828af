/** The `ws` client through VmHttpAgent and a `ws` server on serve()'s listener (the HTTP upgrade path). */
import * as http from 'node:http';
import { expect } from 'chai';
import { WebSocket, WebSocketServer } from 'ws';
import { VmHttpAgent, peerOf } from '@vmrpc/http';
import { expectNoFdLeak, openFdCount, payload, sha256, within } from '../../support/checks.js';
import type { Carrier, Served } from '../support/carriers.js';

export function wsSuite(carrier: Carrier, expectedPeerFamily?: string): void {
  describe(`WebSocket (ws) over ${carrier.name}`, function () {
    let server: http.Server;
    let wss: WebSocketServer;
    let served: Served;
    let agent: VmHttpAgent;
    let fdBaseline: number;
    let peers: unknown[];

    beforeEach(async function () {
      fdBaseline = openFdCount();
      peers = [];
      server = http.createServer((_req, res) => res.end('not a websocket'));
      wss = new WebSocketServer({ server });
      wss.on('connection', (socket, req) => {
        peers.push(peerOf(req) ?? null);
        socket.on('message', (data, isBinary) => {
          if (!isBinary && data.toString() === 'vanish') return void socket.terminate();
          socket.send(data, { binary: isBinary });
        });
      });
      served = await carrier.start(server);
      agent = new VmHttpAgent({ target: served.target });
    });

    afterEach(async function () {
      for (const client of wss.clients) client.terminate();
      await new Promise((resolve) => wss.close(resolve));
      agent.destroy();
      await served.close();
      await expectNoFdLeak(fdBaseline);
    });

    function open(): Promise<WebSocket> {
      const socket = new WebSocket('ws://guest.internal/chat', { agent });
      return within(
        10_000,
        'WebSocket open',
        new Promise((resolve, reject) => {
          socket.once('open', () => resolve(socket));
          socket.once('error', reject);
        }),
      );
    }

    it('echoes 64 binary messages of 64 KiB intact, in order', async function () {
      const socket = await open();
      const sent = Array.from({ length: 64 }, () => payload(64 * 1024).data);
      const received: Buffer[] = [];
      const all = new Promise<void>((resolve) =>
        socket.on('message', (data: Buffer) => {
          received.push(data);
          if (received.length === sent.length) resolve();
        }),
      );
      for (const message of sent) socket.send(message);
      await within(15_000, 'all echoes', all);
      expect(sha256(received)).to.equal(sha256(sent));
      expect(peers).to.have.length(1);
      socket.close(1000);
      const [code] = await within(5000, 'close', new Promise<[number]>((resolve) => socket.once('close', (c: number) => resolve([c]))));
      expect(code).to.equal(1000);
    });

    it('reports an abnormal closure (1006) when the server vanishes', async function () {
      const socket = await open();
      socket.send('vanish');
      const code = await within(5000, 'close', new Promise<number>((resolve) => socket.once('close', resolve)));
      expect(code).to.equal(1006);
    });

    it('exposes peers to the server: one per connection', async function () {
      const first = await open();
      const second = await open();
      expect(peers).to.have.length(2);
      expect(peers.map((peer) => (peer as { family?: string } | null)?.family ?? null)).to.deep.equal([expectedPeerFamily ?? null, expectedPeerFamily ?? null]);
      first.terminate();
      second.terminate();
    });
  });
}
