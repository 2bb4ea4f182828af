// A call the engine server ends while its response still waits for the client's window, and
// before the client half-closed: the server stops the request body with RST_STREAM(NO_ERROR)
// only after every queued message and the trailers went out (RFC 9113, 8.1); a failing call
// (the deadline) drops what is queued but still delivers its status. node:http2 as the client:
// it credits its windows only as it reads, so a paused stream holds the response back.
import { createHash } from 'node:crypto';
import type * as http2 from 'node:http2';
import { FrameDecoder, frameMessage } from '@vmrpc/transport';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from '../streaming-service.js';
import { pollUntil } from '../waits.js';
import { engineFixture, type EngineFixture } from './engine-fixture.js';
import { openStream, rawCall } from './raw-http2.js';
import { ACT, actRequest } from './stock-client.js';

const CHAT = '/vmrpc.testing.v1.Streaming/Chat';
const SUM = '/vmrpc.testing.v1.Streaming/Sum';

interface Received {
  messages: Buffer[];
  trailers: http2.IncomingHttpHeaders | undefined;
  rstCode: number;
}

/** Reads the stream to its close: the gRPC messages, the trailers, the RST_STREAM code. */
function readAll(stream: http2.ClientHttp2Stream): Promise<Received> {
  const decoder = new FrameDecoder(1 << 20);
  const messages: Buffer[] = [];
  let trailers: http2.IncomingHttpHeaders | undefined;
  stream.on('trailers', (received) => (trailers = received));
  stream.on('data', (chunk: Buffer) => {
    for (const { message } of decoder.push(chunk)) messages.push(message);
  });
  return new Promise((resolve) => stream.once('close', () => resolve({ messages, trailers, rstCode: stream.rstCode ?? -1 })));
}

describe('rpc server on the HTTP/2 engine: a call ended before the client half-closed', function () {
  this.timeout(20_000);
  let fx: EngineFixture;

  afterEach(async function () {
    await fx?.close();
  });

  it('a bidi handler that returns with more queued than the client window: every message and status OK arrive', async function () {
    const total = 24;
    const body = 'z'.repeat(4096); // 24 x 4 KiB: more than the client's 64 KiB window, less than it and the engine's 64 KiB queue
    const expected = createHash('sha256');
    for (let index = 0; index < total; index++) expected.update(StreamingService.chat.responseSerialize({ index, echoed: [body] }));
    let returned!: () => void;
    const handlerReturned = new Promise<void>((resolve) => (returned = resolve));
    const log = newLog();
    fx = await engineFixture({
      log,
      implementation: {
        ...streamingImplementation(log),
        async *chat() {
          for (let index = 0; index < total; index++) yield { index, echoed: [body] };
          returned();
        },
      },
    });
    const { session, stream } = openStream(fx.path, { path: CHAT });
    try {
      stream.pause();
      const received = readAll(stream);
      await within(5000, 'the chat handler to return', handlerReturned);
      // A round trip on another connection: the server's loop has turned past the call's end.
      await rawCall(fx.path, { path: ACT, body: [actRequest({})] });
      stream.resume();
      const { messages, trailers, rstCode } = await within(10_000, 'the whole response', received);
      expect(trailers?.['grpc-status'], `trailers ${JSON.stringify(trailers)}, RST_STREAM ${rstCode}, ${messages.length} messages`).to.equal('0');
      expect(messages).to.have.length(total);
      const hash = createHash('sha256');
      for (const message of messages) hash.update(message);
      expect(hash.digest('hex')).to.equal(expected.digest('hex'));
      expect(rstCode).to.equal(0);
      expect(log.errors).to.deep.equal([]);
    } finally {
      session.destroy();
    }
  });

  it('a bidi call past its deadline with responses queued: the client gets DEADLINE_EXCEEDED, not a bare reset', async function () {
    const body = 'w'.repeat(4096);
    let stopped!: () => void;
    const handlerStopped = new Promise<void>((resolve) => (stopped = resolve));
    const log = newLog();
    fx = await engineFixture({
      log,
      implementation: {
        ...streamingImplementation(log),
        async *chat(_requests, context) {
          // Writes until the window and the queue are full, then waits for a drain that never comes.
          for (let index = 0; !context.signal.aborted; index++) yield { index, echoed: [body] };
          stopped();
        },
      },
    });
    const { session, stream } = openStream(fx.path, { path: CHAT, headers: { 'grpc-timeout': '300m' } });
    try {
      stream.pause();
      const received = readAll(stream);
      await within(10_000, 'the handler to see its deadline', handlerStopped);
      await rawCall(fx.path, { path: ACT, body: [actRequest({})] });
      stream.resume();
      const { trailers, rstCode } = await within(10_000, 'the status', received);
      expect(trailers?.['grpc-status'], `trailers ${JSON.stringify(trailers)}, RST_STREAM ${rstCode}`).to.equal('4');
      expect(trailers?.['grpc-message']).to.equal('Deadline exceeded');
    } finally {
      session.destroy();
    }
  });

  it('a client that never half-closes nor reads: the status still arrives, and the server frees the streams (RST_STREAM NO_ERROR after the trailers)', async function () {
    fx = await engineFixture();
    // Two calls the handlers end with an error while the request side stays open, on one connection.
    const failing = (failCode: number) => frameMessage(StreamingService.chat.requestSerialize({ value: 1n, failCode, failDetails: `stop ${failCode}` }));
    const { session, stream: chat } = openStream(fx.path, { path: CHAT });
    try {
      const sum = session.request({ ':method': 'POST', ':path': SUM, 'content-type': 'application/grpc', te: 'trailers' }, { endStream: false });
      sum.on('error', () => undefined);
      chat.pause();
      sum.pause();
      const received = [readAll(chat), readAll(sum)];
      const statuses = Promise.all([chat, sum].map((stream) => new Promise((resolve) => stream.once('trailers', resolve))));
      chat.write(failing(9));
      sum.write(failing(7));
      // Neither stream is read nor ended: the server alone must let go of them once their status is out.
      await within(5000, 'both statuses to reach the client', statuses);
      // Polled: the engine's count of open streams changes without an event a test could wait on.
      await pollUntil('the server to free both streams', () => fx.links.activeStreams === 0);
      expect(fx.links.openLinks, 'the connection stays open').to.equal(1);
      chat.resume();
      sum.resume();
      const [a, b] = await within(5000, 'both streams to close', Promise.all(received));
      expect(a.trailers?.['grpc-status'], JSON.stringify(a)).to.equal('9');
      expect(a.trailers?.['grpc-message']).to.equal('stop 9');
      expect(b.trailers?.['grpc-status'], JSON.stringify(b)).to.equal('7');
      expect(b.trailers?.['grpc-message']).to.equal('stop 7');
      expect([a.rstCode, b.rstCode]).to.deep.equal([0, 0]);
    } finally {
      session.destroy();
    }
  });
});
