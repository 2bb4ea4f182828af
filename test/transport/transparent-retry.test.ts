// Transparent retry (gRPC proposal A6, as the stock grpc-js client does it): a call the server
// never processed starts once more, on both engines. The server is a real node:http2 server over
// a Unix socket that answers in gRPC's shape and refuses streams on cue: RST_STREAM
// REFUSED_STREAM, or a GOAWAY whose last stream id is below an open call.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createChannel } from '@vmrpc/transport';
import type * as ConnectionModule from '../../packages/transport/dist/client/engine-connection.js';
import { payload, sha256, socketPath, within } from '../support/checks.js';
import { HTTP2_ENGINES } from './engines.js';

const require = createRequire(import.meta.url);
const { EngineConnection } = require(join(dirname(require.resolve('@vmrpc/transport/package.json')), 'dist/client/engine-connection.js')) as typeof ConnectionModule;

const identity = (value: Buffer): Buffer => value;
const { NGHTTP2_REFUSED_STREAM } = http2.constants;
const KiB = 1024;

/** One request stream as the server saw it. */
interface Arrival {
  connection: number;
  /** Its place on its connection (0: the first stream). */
  index: number;
  stream: http2.ServerHttp2Stream;
  headers: http2.IncomingHttpHeaders;
  /** How many times each request header came (a duplicate header would count 2). */
  headerCounts: Map<string, number>;
  /** The request body, once it ended. */
  body: Promise<Buffer>;
}

/** What the server answers for a request: its body's hash and the header it checks. */
function answer(arrival: Arrival, body: Buffer): void {
  const message = Buffer.from(JSON.stringify({ sha: sha256(body), tag: arrival.headers['x-tag'], tags: arrival.headerCounts.get('x-tag') ?? 0 }));
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  message.copy(frame, 5);
  arrival.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
  arrival.stream.on('wantTrailers', () => arrival.stream.sendTrailers({ 'grpc-status': '0' }));
  arrival.stream.end(frame);
}

/** A node:http2 server whose `onStream` decides each stream's fate (answer() it, refuse it, hold it). */
async function refusingServer(onStream: (arrival: Arrival) => void, settings: http2.Settings = {}) {
  const arrivals: Arrival[] = [];
  const sessions: http2.ServerHttp2Session[] = [];
  const server = http2.createServer({ settings });
  server.on('session', (session) => sessions.push(session));
  server.on('stream', (stream: http2.ServerHttp2Stream, headers: http2.IncomingHttpHeaders, _flags: number, rawHeaders: string[]) => {
    const headerCounts = new Map<string, number>();
    for (let i = 0; i < rawHeaders.length; i += 2) headerCounts.set(rawHeaders[i]!, (headerCounts.get(rawHeaders[i]!) ?? 0) + 1);
    const connection = sessions.indexOf(stream.session as http2.ServerHttp2Session);
    const chunks: Buffer[] = [];
    const body = new Promise<Buffer>((resolve) => {
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => resolve(Buffer.concat(chunks)));
    });
    stream.on('error', () => undefined);
    const arrival: Arrival = { connection, index: arrivals.filter((a) => a.connection === connection).length, stream, headers, headerCounts, body };
    arrivals.push(arrival);
    onStream(arrival);
  });
  const path = socketPath('retry');
  await new Promise<void>((resolve) => server.listen(path, resolve));
  return {
    path,
    arrivals,
    sessions,
    async close(): Promise<void> {
      for (const session of sessions) session.destroy();
      await within(5000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
    },
  };
}

/** Answers once the whole request is in. */
function answerWhenComplete(arrival: Arrival): void {
  void arrival.body.then((body) => answer(arrival, body));
}

/** Refuses the stream unprocessed once its request is complete (so every byte went out before). */
function refuseWhenComplete(arrival: Arrival): void {
  void arrival.body.then(() => arrival.stream.close(NGHTTP2_REFUSED_STREAM));
}

/** gRPC's framing of `messages`, as the client sends them. */
function framed(messages: Buffer[]): Buffer {
  return Buffer.concat(messages.map((message) => {
    const prefix = Buffer.alloc(5);
    prefix.writeUInt32BE(message.length, 1);
    return Buffer.concat([prefix, message]);
  }));
}

interface Outcome {
  error: grpc.ServiceError | undefined;
  reply: { sha: string; tag: string; tags: number } | undefined;
  /** How many times the listener got response metadata. */
  metadataEvents: number;
}

function tagged(): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('x-tag', 'once');
  return metadata;
}

function unaryCall(client: grpc.Client, message: Buffer, options: grpc.CallOptions = {}): Promise<Outcome> {
  return new Promise((resolve) => {
    let metadataEvents = 0;
    const call = client.makeUnaryRequest('/retry.Test/Echo', identity, identity, message, tagged(), options, (error, value) =>
      resolve({ error: error ?? undefined, reply: value === undefined ? undefined : JSON.parse(value.toString()), metadataEvents }),
    );
    call.on('metadata', () => metadataEvents++);
  });
}

function clientStreamCall(client: grpc.Client, messages: Buffer[]): Promise<Outcome> {
  return new Promise((resolve) => {
    let metadataEvents = 0;
    const call = client.makeClientStreamRequest('/retry.Test/Collect', identity, identity, tagged(), {}, (error, value) =>
      resolve({ error: error ?? undefined, reply: value === undefined ? undefined : JSON.parse(value.toString()), metadataEvents }),
    );
    call.on('metadata', () => metadataEvents++);
    for (const message of messages) call.write(message);
    call.end();
  });
}

async function connected(client: grpc.Client): Promise<void> {
  await within(5000, 'the connection', new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve()))));
}

for (const engine of HTTP2_ENGINES) {
  describe(`transparent retry of calls the server never processed (http2: '${engine}')`, () => {
    let server: Awaited<ReturnType<typeof refusingServer>> | undefined;
    let client: grpc.Client | undefined;
    const clientOf = (path: string, grpcOptions: grpc.ChannelOptions = {}): grpc.Client =>
      (client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: createChannel(`unix:${path}`, { http2: engine, grpc: grpcOptions }) }));

    afterEach(async () => {
      client?.close();
      client = undefined;
      await server?.close();
      server = undefined;
    });

    it('a unary call refused with REFUSED_STREAM starts once more: every byte and header intact, deadline kept', async () => {
      server = await refusingServer((arrival) => (arrival.index === 0 ? refuseWhenComplete(arrival) : answerWhenComplete(arrival)));
      const message = payload(100 * KiB).data;
      const outcome = await within(10_000, 'the call', unaryCall(clientOf(server.path), message, { deadline: Date.now() + 60_000 }));
      expect(outcome.error, outcome.error?.message).to.equal(undefined);
      expect(outcome.reply).to.deep.equal({ sha: sha256(framed([message])), tag: 'once', tags: 1 });
      expect(outcome.metadataEvents, 'response metadata the listener got').to.equal(1);
      expect(server.arrivals.map((a) => [a.connection, a.index]), 'streams the server saw').to.deep.equal([[0, 0], [0, 1]]);
      const [first, second] = server.arrivals.map((a) => Number.parseInt(String(a.headers['grpc-timeout']), 10));
      expect(second, 'the retry keeps the absolute deadline (grpc-timeout does not grow)').to.be.at.most(first!).and.above(0);
    });

    it('a client stream within grpc.per_rpc_retry_buffer_size is re-sent byte for byte; past it, the refusal ends it', async () => {
      server = await refusingServer((arrival) => (arrival.index % 2 === 0 ? refuseWhenComplete(arrival) : answerWhenComplete(arrival)));
      const messages = [payload(40 * KiB).data, payload(30 * KiB).data, payload(20 * KiB).data];
      const within100KiB = clientOf(server.path, { 'grpc.per_rpc_retry_buffer_size': 100 * KiB });
      const outcome = await within(10_000, 'the call within the bound', clientStreamCall(within100KiB, messages));
      expect(outcome.error, outcome.error?.message).to.equal(undefined);
      expect(outcome.reply).to.deep.equal({ sha: sha256(framed(messages)), tag: 'once', tags: 1 });
      const past = await within(10_000, 'the call past the bound', clientStreamCall(within100KiB, [...messages, payload(20 * KiB).data]));
      expect(past.error?.code, past.error?.message).to.equal(grpc.status.UNAVAILABLE);
      expect(server.arrivals, 'streams the server saw (2 for the first call, 1 for the second)').to.have.length(3);
    });

    it('cancelling a retried call resets its new stream at the server and ends it with CANCELLED', async () => {
      let retriedStreamClosed!: (code: number) => void;
      const closedAtServer = new Promise<number>((resolve) => (retriedStreamClosed = resolve));
      let retriedArrived!: () => void;
      const retriedAtServer = new Promise<void>((resolve) => (retriedArrived = resolve));
      server = await refusingServer((arrival) => {
        if (arrival.index === 0) return refuseWhenComplete(arrival);
        arrival.stream.on('close', () => retriedStreamClosed(arrival.stream.rstCode!));
        retriedArrived();
      });
      let cancel!: () => void;
      const outcome = new Promise<Outcome>((resolve) => {
        const call = clientOf(server!.path).makeUnaryRequest('/retry.Test/Echo', identity, identity, Buffer.from('cancel me'), (error) =>
          resolve({ error: error ?? undefined, reply: undefined, metadataEvents: 0 }),
        );
        cancel = () => call.cancel();
      });
      await within(5000, 'the retried stream at the server', retriedAtServer);
      cancel();
      expect((await within(5000, 'the cancelled call', outcome)).error?.code).to.equal(grpc.status.CANCELLED);
      expect(await within(5000, 'the reset at the server', closedAtServer), 'RST_STREAM code').to.equal(http2.constants.NGHTTP2_CANCEL);
      expect(server.arrivals).to.have.length(2);
    });

    it('a call refused twice ends with UNAVAILABLE (one retry per call)', async () => {
      server = await refusingServer(refuseWhenComplete);
      const outcome = await within(10_000, 'the call', unaryCall(clientOf(server.path), Buffer.from('twice')));
      expect(outcome.error?.code, outcome.error?.message).to.equal(grpc.status.UNAVAILABLE);
      expect(server.arrivals).to.have.length(2);
    });

    it('a stream refused after its response headers is not retried', async () => {
      server = await refusingServer((arrival) => {
        // Headers out, the stream kept open for trailers (close() would otherwise end it first).
        arrival.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        void arrival.body.then(() => arrival.stream.close(NGHTTP2_REFUSED_STREAM));
      });
      const outcome = await within(10_000, 'the call', unaryCall(clientOf(server.path), Buffer.from('headers first')));
      expect(outcome.error?.code, outcome.error?.message).to.equal(grpc.status.UNAVAILABLE);
      expect(outcome.metadataEvents).to.equal(1);
      expect(server.arrivals).to.have.length(1);
    });

    it('a negative grpc.per_rpc_retry_buffer_size is refused, naming the option', () => {
      expect(() => createChannel('unix:/nonexistent', { http2: engine, grpc: { 'grpc.per_rpc_retry_buffer_size': -1 } })).to.throw(RangeError, /grpc\.per_rpc_retry_buffer_size/);
    });

    it('grpc.enable_retries 0 turns transparent retry off', async () => {
      server = await refusingServer((arrival) => (arrival.index === 0 ? refuseWhenComplete(arrival) : answerWhenComplete(arrival)));
      const outcome = await within(10_000, 'the call', unaryCall(clientOf(server.path, { 'grpc.enable_retries': 0 }), Buffer.from('no retry')));
      expect(outcome.error?.code, outcome.error?.message).to.equal(grpc.status.UNAVAILABLE);
      expect(server.arrivals).to.have.length(1);
    });

    it("a call above the last stream id of the server's GOAWAY starts again on a new connection", async () => {
      let releaseFirst!: () => void;
      server = await refusingServer((arrival) => {
        if (arrival.connection > 0) return answerWhenComplete(arrival);
        if (arrival.index === 0) {
          releaseFirst = () => answerWhenComplete(arrival);
          return;
        }
        // The second call is open: GOAWAY leaves it unprocessed, then the first call is answered.
        arrival.stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, arrival.stream.id! - 2);
        releaseFirst();
      });
      const c = clientOf(server.path);
      await connected(c);
      const first = unaryCall(c, Buffer.from('first'));
      await within(5000, 'the first call at the server', waitFor(() => server!.arrivals.length === 1, server));
      const second = payload(10 * KiB).data;
      const [one, two] = await within(10_000, 'both calls', Promise.all([first, unaryCall(c, second)]));
      expect(one.error, one.error?.message).to.equal(undefined);
      expect(two.error, two.error?.message).to.equal(undefined);
      expect(two.reply).to.deep.equal({ sha: sha256(framed([second])), tag: 'once', tags: 1 });
      expect(server.arrivals.map((a) => a.connection), 'connections the streams came on').to.deep.equal([0, 0, 1]);
    });

    it('a call waiting for a stream slot when GOAWAY comes starts on the next connection', async function () {
      const refusedThere: number[] = [];
      let waiting!: () => void;
      const queued = new Promise<void>((resolve) => (waiting = resolve));
      let goaway!: () => void;
      server = await refusingServer((arrival) => {
        if (arrival.connection === 0) {
          goaway = () => {
            arrival.stream.session!.goaway(http2.constants.NGHTTP2_NO_ERROR, arrival.stream.id!);
            answerWhenComplete(arrival);
          };
          return;
        }
        // On the vmrpc engine the waiting call never left the client, so it still has its retry.
        if (engine === 'vmrpc' && arrival.index === 0) {
          refusedThere.push(arrival.connection);
          return refuseWhenComplete(arrival);
        }
        answerWhenComplete(arrival);
      }, { maxConcurrentStreams: 1 });
      const whenStreamFree = EngineConnection.prototype.whenStreamFree;
      let asked = 0;
      EngineConnection.prototype.whenStreamFree = function (this: ConnectionModule.EngineConnection, waiter) {
        whenStreamFree.call(this, waiter);
        if (++asked === 2) waiting();
      };
      try {
        const c = clientOf(server.path);
        await connected(c);
        const first = unaryCall(c, Buffer.from('first'));
        await within(5000, 'the first call at the server', waitFor(() => server!.arrivals.length === 1, server));
        const secondMessage = payload(10 * KiB).data;
        const second = unaryCall(c, secondMessage);
        // node:http2 queues the stream inside the session as makeUnaryRequest returns; ours, in whenStreamFree.
        if (engine === 'vmrpc') await within(5000, 'the second call to wait for a slot', queued);
        goaway();
        const [one, two] = await within(10_000, 'both calls', Promise.all([first, second]));
        expect(one.error, one.error?.message).to.equal(undefined);
        expect(two.error, two.error?.message).to.equal(undefined);
        expect(two.reply).to.deep.equal({ sha: sha256(framed([secondMessage])), tag: 'once', tags: 1 });
        expect(server.arrivals.filter((a) => a.connection === 0), 'streams on the first connection').to.have.length(1);
        if (engine === 'vmrpc') expect(refusedThere, 'the refusal its unspent retry survived').to.deep.equal([1]);
      } finally {
        EngineConnection.prototype.whenStreamFree = whenStreamFree;
      }
    });
  });
}

/** Resolves when `condition` holds after a stream arrives at `server` (event-based, no polling timer). */
function waitFor(condition: () => boolean, server: { arrivals: Arrival[] } | undefined): Promise<void> {
  return new Promise((resolve) => {
    const arrivals = server!.arrivals;
    if (condition()) return resolve();
    const push = arrivals.push.bind(arrivals);
    arrivals.push = (...items: Arrival[]) => {
      const length = push(...items);
      if (condition()) {
        arrivals.push = push;
        resolve();
      }
      return length;
    };
  });
}
