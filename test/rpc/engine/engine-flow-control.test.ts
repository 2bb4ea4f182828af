// Flow control of the engine server both ways, with node:http2 as the peer (it credits its
// windows only as it reads): a client that stops reading a server stream, and a handler that
// reads slower than its client. Bounded while held back, then every message checked.
import type * as http2 from 'node:http2';
import { RpcError, Status } from '@vmrpc/rpc';
import { FrameDecoder, frameMessage } from '@vmrpc/transport';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from '../streaming-service.js';
import { Tally } from '../waits.js';
import { engineFixture, type EngineFixture } from './engine-fixture.js';
import { openStream, rawCall } from './raw-http2.js';
import { ACT, COUNT, SUM, actRequest } from './stock-client.js';

describe('rpc server on the HTTP/2 engine: flow control', function () {
  this.timeout(20_000);
  let fx: EngineFixture;

  afterEach(async function () {
    await fx?.close();
  });

  describe('flow control (node:http2 as the peer: it credits its windows only as it reads)', function () {
    /** Twenty round trips on other connections: the server's loop turns many times, so a producer not held back would have run ahead. */
    async function serverTurns(): Promise<void> {
      for (let round = 0; round < 20; round++) await rawCall(fx.path, { path: ACT, body: [actRequest({})] });
    }

    it('a server stream whose client stops reading holds its handler back; every message arrives once reading resumes', async function () {
      const total = 2000;
      const body = 'x'.repeat(4096);
      const produced = new Tally();
      const log = newLog();
      fx = await engineFixture({
        log,
        implementation: {
          ...streamingImplementation(log),
          async *count() {
            for (let index = 0; index < total; index++) {
              produced.add();
              yield { index, echoed: [body] };
            }
          },
        },
      });
      const { session, stream } = openStream(fx.path, { path: COUNT });
      try {
        stream.end(frameMessage(StreamingService.count.requestSerialize({ count: total })));
        stream.pause();
        await produced.reached(10, 'the handler to produce 10 messages');
        await serverTurns();
        // The client's stream window (64 KiB) plus the engine's queue (64 KiB): about 32 messages of 4 KiB. Unbounded would be all 8 MiB.
        expect(produced.count).to.be.within(10, 40);
        const decoder = new FrameDecoder(1 << 20);
        const indexes: number[] = [];
        stream.on('data', (chunk: Buffer) => {
          for (const { message } of decoder.push(chunk)) {
            const outcome = StreamingService.count.responseDeserialize(message);
            if (outcome.echoed[0] !== body) throw new Error(`message ${outcome.index} arrived altered`);
            indexes.push(outcome.index);
          }
        });
        stream.resume();
        const trailers = await within(10_000, 'the rest of the stream', new Promise<http2.IncomingHttpHeaders>((resolve) => stream.once('trailers', resolve)));
        expect(trailers['grpc-status']).to.equal('0');
        expect(indexes).to.have.length(total);
        expect(indexes.every((index, position) => index === position)).to.equal(true);
      } finally {
        session.destroy();
      }
    });

    it('a client-streaming handler that reads slower than its client holds the client back; every request arrives', async function () {
      const total = 2000;
      const body = 'y'.repeat(4096);
      let open!: () => void;
      const gate = new Promise<void>((resolve) => (open = resolve));
      const log = newLog();
      fx = await engineFixture({
        log,
        implementation: {
          ...streamingImplementation(log),
          async sum(requests) {
            await gate;
            let value = 0n;
            let index = 0;
            for await (const request of requests) {
              if (request.key !== body) throw new RpcError(Status.DATA_LOSS, `request ${index} arrived altered`);
              value += request.value;
              index++;
            }
            return { value, index };
          },
        },
      });
      const { session, stream } = openStream(fx.path, { path: SUM });
      try {
        const written = new Tally();
        const next = (): void => {
          while (written.count < total) {
            const message = frameMessage(StreamingService.sum.requestSerialize({ value: BigInt(written.count), key: body }));
            written.add();
            if (!stream.write(message)) return void stream.once('drain', next);
          }
          stream.end();
        };
        next();
        const response = new Promise<{ data: Buffer[]; trailers: http2.IncomingHttpHeaders }>((resolve) => {
          const data: Buffer[] = [];
          stream.on('data', (chunk: Buffer) => data.push(chunk));
          stream.once('trailers', (trailers) => resolve({ data, trailers }));
        });
        await written.reached(5, 'the client to write 5 requests');
        await serverTurns();
        // The engine's stream window (64 KiB) and node's write buffer: about 16 requests of 4 KiB. Unbounded would be all 2000.
        expect(written.count).to.be.within(5, 40);
        open();
        const { data, trailers } = await within(10_000, 'sum', response);
        expect(trailers['grpc-status']).to.equal('0');
        const [answer] = new FrameDecoder(1 << 20).push(Buffer.concat(data));
        const outcome = StreamingService.sum.responseDeserialize(answer!.message);
        expect(outcome.index).to.equal(total);
        expect(outcome.value).to.equal(BigInt((total * (total - 1)) / 2));
      } finally {
        session.destroy();
      }
    });
  });

});
