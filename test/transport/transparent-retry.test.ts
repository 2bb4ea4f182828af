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
import { payload, sha256, within } from '../support/checks.js';
import { HTTP2_ENGINES } from './engines.js';
import { answerWhenComplete, clientStreamCall, connected, framed, identity, refuseWhenComplete, refusingServer, unaryCall, waitFor, type Arrival, type Outcome } from './refusing-server.js';

const require = createRequire(import.meta.url);
const { EngineConnection } = require(join(dirname(require.resolve('@vmrpc/transport/package.json')), 'dist/client/engine-connection.js')) as typeof ConnectionModule;

const { NGHTTP2_REFUSED_STREAM } = http2.constants;
const KiB = 1024;

for (const engine of HTTP2_ENGINES) {
  describe(`transparent retry of calls the server never processed (http2: '${engine}')`, () => {
    let server: Awaited<ReturnType<typeof refusingServer>> | undefined;
    let client: grpc.Client | undefined;
    let channel: ReturnType<typeof createChannel> | undefined;
    const clientOf = (path: string, grpcOptions: grpc.ChannelOptions = {}): grpc.Client => {
      channel = createChannel(`unix:${path}`, { http2: engine, grpc: grpcOptions });
      return (client = new grpc.Client('unused', grpc.credentials.createInsecure(), { channelOverride: channel }));
    };

    /**
     * Starts a first call and, once the server holds it, a second one that must wait for the
     * stream slot (MAX_CONCURRENT_STREAMS 1): in the vmrpc engine's queue (seen through
     * whenStreamFree), or inside node:http2's session, where it is as makeUnaryRequest returns.
     */
    const secondCallWaiting = async (c: grpc.Client, secondMessage: Buffer): Promise<[Promise<Outcome>, Promise<Outcome>]> => {
      await connected(c);
      const first = unaryCall(c, Buffer.from('first'));
      await within(5000, 'the first call at the server', waitFor(() => server!.arrivals.length === 1, server));
      const whenStreamFree = EngineConnection.prototype.whenStreamFree;
      let waiting!: () => void;
      const queued = new Promise<void>((resolve) => (waiting = resolve));
      EngineConnection.prototype.whenStreamFree = function (this: ConnectionModule.EngineConnection, waiter) {
        whenStreamFree.call(this, waiter);
        waiting();
      };
      try {
        const second = unaryCall(c, secondMessage);
        if (engine === 'vmrpc') await within(5000, 'the second call to wait for a slot', queued);
        return [first, second];
      } finally {
        EngineConnection.prototype.whenStreamFree = whenStreamFree;
      }
    };

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

    it('a unary request larger than grpc.per_rpc_retry_buffer_size is not held: its refusal ends it', async () => {
      server = await refusingServer((arrival) => (arrival.index === 0 ? refuseWhenComplete(arrival) : answerWhenComplete(arrival)));
      const outcome = await within(10_000, 'the call', unaryCall(clientOf(server.path, { 'grpc.per_rpc_retry_buffer_size': 10 * KiB }), payload(20 * KiB).data));
      expect(outcome.error?.code, outcome.error?.message).to.equal(grpc.status.UNAVAILABLE);
      expect(server.arrivals).to.have.length(1);
    });

    it('a call whose call credentials are being made when GOAWAY comes starts on the next connection', async () => {
      let holdFirst: ((arrival: Arrival) => void) | undefined;
      const firstHeld = new Promise<Arrival>((resolve) => (holdFirst = resolve));
      server = await refusingServer((arrival) => (arrival.connection === 0 && arrival.index === 0 ? holdFirst!(arrival) : answerWhenComplete(arrival)));
      const c = clientOf(server.path);
      await connected(c);
      const first = unaryCall(c, Buffer.from('first'));
      const held = await within(5000, 'the first call at the server', firstHeld);
      let credentialsAsked!: () => void;
      const asked = new Promise<void>((resolve) => (credentialsAsked = resolve));
      let giveCredentials!: () => void;
      const given = new Promise<void>((resolve) => (giveCredentials = resolve));
      const credentials = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
        credentialsAsked();
        void given.then(() => callback(null, new grpc.Metadata()));
      });
      const second = unaryCall(c, Buffer.from('second'), { credentials });
      await within(5000, 'the call credentials asked', asked);
      // GOAWAY with the first call still open, so the connection drains but stays; the PING's
      // answer comes after the client has read the GOAWAY before it.
      const session = held.stream.session!;
      session.goaway(http2.constants.NGHTTP2_NO_ERROR, held.stream.id!);
      await within(5000, 'the PING after the GOAWAY', new Promise<void>((resolve, reject) => session.ping((error) => (error ? reject(error) : resolve()))));
      giveCredentials();
      const outcome = await within(5000, 'the second call', second);
      expect(outcome.error, outcome.error?.message).to.equal(undefined);
      answerWhenComplete(held);
      expect((await within(5000, 'the first call', first)).error).to.equal(undefined);
      expect(server.arrivals.map((a) => [a.connection, a.index])).to.deep.equal([[0, 0], [1, 0]]);
    });

    it('a call refused twice ends with UNAVAILABLE (one retry per call)', async () => {
      server = await refusingServer(refuseWhenComplete);
      const outcome = await within(10_000, 'the call', unaryCall(clientOf(server.path), Buffer.from('twice')));
      expect(outcome.error?.code, outcome.error?.message).to.equal(grpc.status.UNAVAILABLE);
      expect(server.arrivals).to.have.length(2);
    });

    it('a stream refused after its response headers is not retried', async () => {
      // The refusal waits until the client has the headers: a reset sent right after respond()
      // may overtake the HEADERS frame inside node:http2, and the call would rightly retry.
      let refuse: () => void = () => undefined;
      server = await refusingServer((arrival) => {
        // Headers out, the stream kept open for trailers (close() would otherwise end it first).
        arrival.stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
        refuse = () => arrival.stream.close(NGHTTP2_REFUSED_STREAM);
      });
      const c = clientOf(server.path);
      const outcome = await within(10_000, 'the call', new Promise<Outcome>((resolve) => {
        let metadataEvents = 0;
        const call = c.makeUnaryRequest('/retry.Test/Echo', identity, identity, Buffer.from('headers first'), new grpc.Metadata(), {}, (error) =>
          resolve({ error: error ?? undefined, reply: undefined, metadataEvents }),
        );
        call.on('metadata', () => {
          metadataEvents++;
          refuse();
        });
      }));
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

    it('a call waiting for a stream slot when GOAWAY comes starts on the next connection', async () => {
      const refusedThere: number[] = [];
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
      const secondMessage = payload(10 * KiB).data;
      const [first, second] = await secondCallWaiting(clientOf(server.path), secondMessage);
      goaway();
      const [one, two] = await within(10_000, 'both calls', Promise.all([first, second]));
      expect(one.error, one.error?.message).to.equal(undefined);
      expect(two.error, two.error?.message).to.equal(undefined);
      expect(two.reply).to.deep.equal({ sha: sha256(framed([secondMessage])), tag: 'once', tags: 1 });
      expect(server.arrivals.filter((a) => a.connection === 0), 'streams on the first connection').to.have.length(1);
      if (engine === 'vmrpc') expect(refusedThere, 'the refusal its unspent retry survived').to.deep.equal([1]);
    });

    if (engine === 'vmrpc') {
      it('a call waiting for a stream slot when its connection closes starts on the next connection; the sent one fails', async () => {
        server = await refusingServer((arrival) => {
          if (arrival.connection > 0) answerWhenComplete(arrival);
        }, { maxConcurrentStreams: 1 });
        const secondMessage = payload(10 * KiB).data;
        const [first, second] = await secondCallWaiting(clientOf(server.path), secondMessage);
        channel!.dropConnection('dropped by the test');
        const [one, two] = await within(10_000, 'both calls', Promise.all([first, second]));
        expect(one.error?.code, 'the call the server had (it may have processed it)').to.equal(grpc.status.UNAVAILABLE);
        expect(two.error, two.error?.message).to.equal(undefined);
        expect(two.reply).to.deep.equal({ sha: sha256(framed([secondMessage])), tag: 'once', tags: 1 });
        expect(server.arrivals.map((a) => a.connection)).to.deep.equal([0, 1]);
      });
    }
  });
}
