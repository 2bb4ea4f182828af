/**
 * Load: many calls on one channel, many connections at once, connect/close cycles with no
 * growth in descriptors, handles or memory, and a large stream to a slow consumer whose memory
 * stays bounded (backpressure from the consumer through HTTP/2 to the producing generator).
 */
import { expect } from 'chai';
import { connect } from '@vmrpc/native';
import { closeClient } from '@vmrpc/rpc';
import { within } from '../support/checks.js';
import { carrierLabel, endpoint, serveRaw, type CarrierKind } from './support/carriers.js';
import { checkSequenced } from './support/fault-service.js';
import { formatBytes, recordFigure } from './support/figures.js';
import { GrpcFixture } from './support/fixture.js';
import { SeededRandom, runSeed } from './support/random.js';
import { expectNoGrowth, snapshot, type ResourceSnapshot } from './support/resources.js';
import { faultScale, generous } from './support/scale.js';

function seconds(since: number): string {
  return `${((Date.now() - since) / 1000).toFixed(1)} s`;
}

export function loadSuite(kind: CarrierKind, options: { bigStream: boolean }): void {
  const scale = faultScale();
  const carrier = carrierLabel(kind);

  describe(`load over ${carrier}`, function () {
    this.timeout(generous(120_000));
    let fixture: GrpcFixture | undefined;
    afterEach(async () => {
      await fixture?.close();
      fixture = undefined;
    });

    async function closeAndCheck(before: ResourceSnapshot): Promise<ResourceSnapshot> {
      await fixture?.close();
      fixture = undefined;
      return expectNoGrowth(before, { heapBytes: 24 << 20 });
    }

    it(`${scale.concurrentCalls} concurrent calls on one channel, past the server's 256-stream limit`, async () => {
      const random = new SeededRandom(runSeed()).fork(`calls-${kind}`);
      const before = await snapshot();
      fixture = await GrpcFixture.start(kind, 'calls');
      const client = fixture.client();
      const started = Date.now();
      const payloads = Array.from({ length: scale.concurrentCalls }, () => random.bytes(random.int(0, 2048)));
      const answers = await within(generous(60_000), 'concurrent calls', Promise.all(payloads.map((payload) => client.unary({ payload, delayMs: 5 }))));
      answers.forEach((answer, i) => expect(Buffer.from(answer.payload).equals(payloads[i]!), `answer ${i}`).to.equal(true));
      expect(fixture.log.maxActive, 'handlers at once (grpc.max_concurrent_streams 256)').to.be.at.most(256);
      const took = seconds(started);
      const after = await closeAndCheck(before);
      recordFigure({
        group: 'load',
        what: `${scale.concurrentCalls} concurrent unary calls on one channel`,
        carrier,
        result: `all answered correctly in ${took}; at most ${256} at once in the server; fds ${after.fds - before.fds >= 0 ? '+' : ''}${after.fds - before.fds}`,
        counts: { calls: scale.concurrentCalls },
      });
    });

    it(`${scale.concurrentConnections} concurrent connections, each with a call in flight`, async () => {
      const before = await snapshot();
      fixture = await GrpcFixture.start(kind, 'conns', { maxConnectionsPerPeer: scale.concurrentConnections + 10 });
      const started = Date.now();
      const clients = Array.from({ length: scale.concurrentConnections }, () => fixture!.client({ connect: { connectTimeout: generous(20_000) } }));
      // Every call waits 300 ms in the server, so all connections are open at once.
      const answers = await within(generous(60_000), 'calls on every connection', Promise.all(clients.map((client, i) => client.unary({ payload: Buffer.from(`c${i}`), delayMs: 300 }))));
      answers.forEach((answer, i) => expect(Buffer.from(answer.payload).toString()).to.equal(`c${i}`));
      expect(fixture.log.maxActive, 'calls in the server at once').to.be.at.least(Math.floor(scale.concurrentConnections * 0.9));
      const took = seconds(started);
      const after = await closeAndCheck(before);
      recordFigure({
        group: 'load',
        what: `${scale.concurrentConnections} concurrent connections (one channel each), a call in flight on each`,
        carrier,
        result: `held in ${took}, ${after.fds - before.fds} fds left after close`,
        counts: { connections: scale.concurrentConnections, calls: scale.concurrentConnections },
      });
    });

    it(`${scale.connectCycles} sequential connect/close cycles: no growth in fds, handles or memory`, async () => {
      const at = endpoint(kind, 'cycles');
      const served = await serveRaw(at, (socket) => {
        socket.on('error', () => undefined);
        socket.pipe(socket);
      });
      try {
        const cycle = async (i: number): Promise<void> => {
          const socket = await connect(at.dial, { connectTimeout: generous(5000) });
          const byte = Buffer.from([i & 0xff]);
          const echoed = new Promise<Buffer>((resolve, reject) => {
            socket.once('data', resolve);
            socket.once('error', reject);
          });
          socket.write(byte);
          expect((await echoed)[0]).to.equal(i & 0xff);
          await new Promise<void>((resolve) => {
            socket.once('close', () => resolve());
            socket.destroy();
          });
        };
        for (let i = 0; i < 100; i++) await cycle(i); // warm-up: lazily created state is not growth
        const before = await snapshot();
        const started = Date.now();
        for (let i = 0; i < scale.connectCycles; i++) await cycle(i);
        const took = seconds(started);
        const after = await expectNoGrowth(before, { heapBytes: 8 << 20 });
        // And through gRPC: a channel per cycle, one call, closed.
        const grpcCycles = Math.max(50, Math.floor(scale.connectCycles / 20));
        fixture = await GrpcFixture.start(kind, 'channel-cycles');
        for (let i = 0; i < 20; i++) {
          const client = fixture.client();
          await client.unary({});
          closeClient(client);
        }
        fixture.clients.splice(0);
        const beforeChannels = await snapshot();
        for (let i = 0; i < grpcCycles; i++) {
          const client = fixture.client();
          await client.unary({ payload: Buffer.from([i & 0xff]) });
          closeClient(client);
          fixture.clients.splice(0);
        }
        const afterChannels = await expectNoGrowth(beforeChannels, { heapBytes: 8 << 20 });
        recordFigure({
          group: 'load',
          what: `${scale.connectCycles} sequential connect/echo/close cycles (@vmrpc/native), then ${grpcCycles} channel open/call/close cycles`,
          carrier,
          result:
            `${took}; fds ${after.fds - before.fds}, handles ${after.handles - before.handles}, heap ${formatBytes(after.heapUsed - before.heapUsed)}; ` +
            `channels: fds ${afterChannels.fds - beforeChannels.fds}, heap ${formatBytes(afterChannels.heapUsed - beforeChannels.heapUsed)}`,
          counts: { connections: scale.connectCycles + grpcCycles },
        });
      } finally {
        await served.close();
      }
    });

    if (options.bigStream) {
      it(`a ${formatBytes(scale.bigStreamBytes)} server stream to a slow consumer: memory bounded, every byte checked`, async () => {
        const messageSize = 64 * 1024;
        const count = Math.floor(scale.bigStreamBytes / messageSize);
        fixture = await GrpcFixture.start(kind, 'big');
        const client = fixture.client({ grpc: { 'grpc.max_receive_message_length': 1 << 20 } });
        const before = await snapshot();
        let received = 0;
        let receivedBytes = 0;
        let maxAhead = 0;
        let maxRss = before.rss;
        const pauseEvery = Math.max(1, Math.floor(count / 16));
        const started = Date.now();
        for await (const message of client.serverStream({ responseCount: count, responseSize: messageSize })) {
          checkSequenced(message.payload, received, messageSize);
          received++;
          receivedBytes += message.payload.length;
          if (received % pauseEvery === 0) {
            // The slow part: the consumer stops; the producer must stop too.
            await new Promise((resolve) => setTimeout(resolve, received === pauseEvery ? 1000 : 150));
            maxAhead = Math.max(maxAhead, fixture.log.sentBytes - receivedBytes);
            maxRss = Math.max(maxRss, process.memoryUsage().rss);
          }
        }
        const took = (Date.now() - started) / 1000;
        expect(received).to.equal(count);
        const rssGrowth = maxRss - before.rss;
        expect(maxAhead, 'bytes the producer ran ahead of the consumer').to.be.below(32 << 20);
        expect(rssGrowth, 'RSS growth during the stream').to.be.below(256 << 20);
        recordFigure({
          group: 'load',
          what: `${formatBytes(count * messageSize)} server stream (64 KiB messages) to a consumer that pauses 16 times`,
          carrier,
          result: `every byte and sequence number checked, ${(count * messageSize / 2 ** 20 / took).toFixed(0)} MiB/s with pauses; producer at most ${formatBytes(maxAhead)} ahead; RSS +${formatBytes(Math.max(0, rssGrowth))}`,
          counts: { bytesVerified: count * messageSize },
        });
      });
    }
  });
}
