/**
 * Typed streaming calls (server, client, bidi) run straight on the channel's createCall, not
 * through grpc-js's Client, and keep what the Client did: a failure's cause carries the caller's
 * stack, (de)serialization failures are INTERNAL, and backpressure holds both ways (a consumer
 * that stops reading stops the server; a server that stops reading stops the request iterable).
 * Misbehaving and non-reading servers are node:http2 answering by hand (a real HTTP/2 peer).
 */
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { Status, closeClient, createClient, type RpcError } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../support/checks.js';
import { frame, rpcError, servedStreamingClient } from './direct-calls.js';
import { StreamingService, type StreamingServiceClient } from './generated/vmrpc/testing/v1/streaming.js';


async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

/** The caller's part of a failed call's stack: what follows "for call at". */
function callerPart(error: RpcError): string {
  const stack = (error.cause as Error).stack!;
  expect(stack).to.contain('\nfor call at\n');
  return stack.slice(stack.indexOf('for call at\n') + 'for call at\n'.length);
}

describe('rpc typed streaming calls on the channel directly', function () {
  describe('against a grpc-js server', function () {
    const served = servedStreamingClient('direct-streams');
    let client: StreamingServiceClient;
    beforeEach(() => ({ client } = served));

    it('do not go through grpc-js Client.make*StreamRequest', async function () {
      const prototype = grpc.Client.prototype as unknown as Record<string, (...args: unknown[]) => unknown>;
      const names = ['makeServerStreamRequest', 'makeClientStreamRequest', 'makeBidiStreamRequest'];
      const originals = names.map((name) => prototype[name]!);
      let used = 0;
      names.forEach((name, i) => {
        prototype[name] = function (this: unknown, ...args: unknown[]) {
          used++;
          return originals[i]!.apply(this, args);
        };
      });
      try {
        expect(await within(5000, 'count', collect(client.count({ count: 3 })))).to.have.length(3);
        expect((await within(5000, 'sum', client.sum([{ value: 1n }, { value: 2n }]))).value).to.equal(3n);
        expect(await within(5000, 'chat', collect(client.chat([{ value: 1n }])))).to.have.length(1);
      } finally {
        names.forEach((name, i) => (prototype[name] = originals[i]!));
      }
      expect(used).to.equal(0);
    });

    it('a failure of each shape keeps the caller\'s stack in its cause ("for call at")', async function () {
      async function theServerStreamCaller(): Promise<unknown> {
        return collect(client.count({ count: 5, failAfter: 2 }));
      }
      async function theClientStreamCaller(): Promise<unknown> {
        return client.sum([{ value: 1n }, { failCode: Status.INVALID_ARGUMENT, failDetails: 'bad' }]);
      }
      async function theBidiCaller(): Promise<unknown> {
        return collect(client.chat([{ failCode: Status.ABORTED, failDetails: 'conflict' }]));
      }
      const cases: Array<[() => Promise<unknown>, RegExp, Status]> = [
        [theServerStreamCaller, /theServerStreamCaller/, Status.RESOURCE_EXHAUSTED],
        [theClientStreamCaller, /theClientStreamCaller/, Status.INVALID_ARGUMENT],
        [theBidiCaller, /theBidiCaller/, Status.ABORTED],
      ];
      for (const [caller, name, code] of cases) {
        const error = await rpcError(caller());
        expect(error.code).to.equal(code);
        const cause = error.cause as Error & { code: number };
        expect(cause.code).to.equal(code);
        const frames = callerPart(error);
        expect(frames).to.match(name);
        expect(frames.split('\n')[0]).to.equal('Error');
        // The library's own frames are left out.
        expect(frames).to.not.match(/captureCaller|serverStreamingCall|clientStreamingCall|bidiStreamingCall|ResponseStream/);
      }
    });

    it('a request that does not serialize ends a request stream with INTERNAL "Request message serialization failure"', async function () {
      // `key` is a string field: a number makes the codec throw.
      const bad = { key: 5 as unknown as string };
      const sum = await rpcError(client.sum([{ value: 1n }, bad]));
      expect(sum.code).to.equal(Status.INTERNAL);
      expect(sum.details).to.match(/^Request message serialization failure: ./);
      const chat = await rpcError(collect(client.chat([bad])));
      expect(chat.code).to.equal(Status.INTERNAL);
      expect(chat.details).to.match(/^Request message serialization failure: ./);
    });

    it('next() called again before the last one settled: each gets the next response, in order, then done', async function () {
      const responses = client.count({ count: 3 })[Symbol.asyncIterator]();
      const results = await within(5000, 'four reads at once', Promise.all([responses.next(), responses.next(), responses.next(), responses.next()]));
      expect(results.map((result) => (result.done ? 'done' : (result.value as { index: number }).index))).to.deep.equal([0, 1, 2, 'done']);
    });

    it('an error thrown into the iteration (yield*) cancels the call and reaches the caller', async function () {
      async function* relay(): AsyncGenerator<unknown> {
        yield* client.count({ count: 1000 });
      }
      const relayed = relay();
      await within(5000, 'the first response', relayed.next());
      const thrown = new Error('stop relaying');
      const error = await within(5000, 'throw()', relayed.throw(thrown).then(() => undefined, (reason: unknown) => reason));
      expect(error).to.equal(thrown);
    });

    it('work on a stock grpc-js channel too: each shape, an error, a deadline', async function () {
      const channel = new grpc.Channel(served.target, grpc.credentials.createInsecure(), {});
      try {
        const stock = createClient(StreamingService, channel);
        expect((await within(5000, 'count', collect(stock.count({ count: 40 })))).map((r) => r.index)).to.deep.equal([...Array(40).keys()]);
        expect((await within(5000, 'sum', stock.sum([{ value: 1n }, { value: 2n }, { value: 3n }]))).value).to.equal(6n);
        expect((await within(5000, 'chat', collect(stock.chat([{ value: 1n }, { value: 2n }])))).map((r) => r.value)).to.deep.equal([2n, 4n]);
        expect((await rpcError(collect(stock.count({ count: 5, failAfter: 1 })))).code).to.equal(Status.RESOURCE_EXHAUSTED);
        expect((await rpcError(collect(stock.count({ count: 5, delayMs: 2000 }, { timeoutMs: 100 })))).code).to.equal(Status.DEADLINE_EXCEEDED);
      } finally {
        channel.close();
      }
    });

    it('an AbortSignal already aborted: the stream throws CANCELLED at the first read, and no call is made', async function () {
      const controller = new AbortController();
      controller.abort();
      const error = await rpcError(collect(client.count({ count: 3 }, { signal: controller.signal })));
      expect(error.code).to.equal(Status.CANCELLED);
    });
  });

  describe('against a server that answers by hand', function () {
    let server: http2.Http2Server;
    let client: StreamingServiceClient;
    let onStream: (stream: http2.ServerHttp2Stream) => void = () => undefined;

    beforeEach(async function () {
      const path = socketPath('hand-streams');
      server = http2.createServer();
      server.on('stream', (stream) => {
        stream.on('error', () => undefined); // the client resets what it gives up on
        onStream(stream);
      });
      await new Promise<void>((resolve) => server.listen(path, resolve));
      client = createClient(StreamingService, `unix:${path}`);
    });

    afterEach(async function () {
      closeClient(client);
      await new Promise((resolve) => server.close(resolve));
    });

    it('a response that does not decode: INTERNAL "Response message parsing error: ...", after the good ones', async function () {
      onStream = (stream) => {
        stream.resume();
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        stream.write(frame(Buffer.from([0x10, 1]))); // Outcome { index: 1 }
        // Field 1, length-delimited, claiming 100 bytes that are not there.
        stream.end(frame(Buffer.from([0x0a, 100, 1])));
      };
      const received: number[] = [];
      const error = await rpcError(
        (async () => {
          for await (const response of client.count({ count: 2 })) received.push(response.index);
        })(),
      );
      expect(received).to.deep.equal([1]);
      expect(error.code).to.equal(Status.INTERNAL);
      expect(error.details).to.match(/^Response message parsing error: ./);
    });

    it('a consumer that stops reading stops the server; every response arrives once it reads on', async function () {
      const size = 64 * 1024;
      const total = 400; // 25 MiB: far more than the windows and the read-ahead hold
      let sent = 0;
      let serverDone!: () => void;
      const finished = new Promise<void>((resolve) => (serverDone = resolve));
      onStream = (stream) => {
        stream.resume();
        stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
        const message = frame(Buffer.concat([Buffer.from([0x22, 0x80, 0x80, 0x04]), Buffer.alloc(size, 1)])); // Outcome.peer: 64 KiB
        void (async () => {
          while (sent < total) {
            sent++;
            if (!stream.write(message)) await new Promise((resolve) => stream.once('drain', resolve));
          }
          stream.end();
          serverDone();
        })();
      };
      const responses = client.count({ count: total })[Symbol.asyncIterator]();
      expect((await within(5000, 'first response', responses.next())).done).to.equal(false);
      // The consumer pauses. Had the client read on without bound, the server would send
      // everything in this window; with backpressure it stops at the windows and the read-ahead.
      const pausedUntil = Date.now() + 500;
      while (Date.now() < pausedUntil && sent < total) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(sent, 'responses the server could send while the consumer paused').to.be.below(total / 4);
      let count = 1;
      while (!(await within(10_000, 'responses', responses.next())).done) count++;
      expect(count).to.equal(total);
      await within(5000, 'server end', finished);
    });

    it('a server that stops reading stops the request iterable; every request arrives once it reads on', async function () {
      const size = 64 * 1024;
      const total = 400;
      let pulled = 0;
      let serverStream!: http2.ServerHttp2Stream;
      let received = 0;
      const arrived = new Promise<void>((resolve) => {
        onStream = (stream) => {
          serverStream = stream;
          stream.pause();
          stream.on('data', (chunk: Buffer) => (received += chunk.length));
          stream.on('end', () => {
            stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
            stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
            stream.end(frame(Buffer.from([0x10, 7]))); // Outcome { index: 7 }
          });
          resolve();
        };
      });
      const key = 'k'.repeat(size);
      function* requests(): Generator<{ key: string }> {
        for (; pulled < total; ) {
          pulled++;
          yield { key };
        }
      }
      const result = client.sum(requests());
      await within(5000, 'the call at the server', arrived);
      const pausedUntil = Date.now() + 500;
      while (Date.now() < pausedUntil && pulled < total) await new Promise((resolve) => setTimeout(resolve, 50));
      expect(pulled, 'requests taken from the iterable while the server did not read').to.be.below(total / 4);
      serverStream.resume();
      expect((await within(20_000, 'the response', result)).index).to.equal(7);
      expect(pulled).to.equal(total);
      // Each request: 5-byte prefix, tag, 3-byte length, the key.
      expect(received).to.equal(total * (5 + 1 + 3 + size));
    });
  });
});
