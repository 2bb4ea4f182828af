// The rpc server's own gRPC server on the HTTP/2 engine, served as GuestAgent serves its call
// links, against the stock grpc-js client: the four kinds with metadata both ways, a
// percent-encoded status, cancellation, an unknown method, garbage instead of HTTP/2, drain, and
// the fallback to grpc-js's Server.
import * as net from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { createServer, GuestAgent, Status } from '@vmrpc/rpc';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { whenCancelled, whenStarted } from '../streaming-service.js';
import { engineFixture, FIXTURE_PEER, type EngineFixture } from './engine-fixture.js';
import { rawCall } from './raw-http2.js';
import { ACT, actRequest, serviceError, stockClient, stockUnary, type Callback, type StockClient } from './stock-client.js';

describe('rpc server on the HTTP/2 engine', function () {
  this.timeout(20_000);
  let fx: EngineFixture;
  let client: StockClient;

  afterEach(async function () {
    client?.close();
    await fx?.close();
  });

  describe('with the stock grpc-js client', function () {
    beforeEach(async function () {
      fx = await engineFixture();
      expect(fx.links.grpcFallback).to.equal(undefined);
      client = stockClient(fx);
    });

    it('unary: request metadata in, the peer, response headers and trailers out', async function () {
      const metadata = new grpc.Metadata();
      metadata.set('x-echo', 'one');
      const call = stockUnary(client, 'act', { value: 7n }, metadata);
      const response = await within(5000, 'act', call.result);
      expect(response.value).to.equal(7n);
      expect(response.echoed).to.deep.equal(['one']);
      expect(response.peer).to.equal(FIXTURE_PEER);
      expect(call.headers()?.get('x-header')).to.deep.equal(['from-handler']);
      expect(call.status()?.code).to.equal(Status.OK);
      expect(call.status()?.metadata.get('x-trailer')).to.deep.equal(['done']);
    });

    it('unary: an RpcError becomes its status with text and binary trailers; grpc-message percent-encoded both ways', async function () {
      const details = 'ü 100% done\nnext line';
      const error = await serviceError(stockUnary(client, 'act', { failCode: Status.NOT_FOUND, failDetails: details }).result);
      expect(error.code).to.equal(Status.NOT_FOUND);
      expect(error.details).to.equal(details);
      expect(error.metadata.get('x-error-bin')).to.deep.equal([Buffer.from([1, 2, 3])]);
      expect(error.metadata.get('x-trailer')).to.deep.equal(['done']);
      const raw = await rawCall(fx.path, { path: ACT, body: [actRequest({ failCode: Status.NOT_FOUND, failDetails: details })] });
      expect(raw.trailers?.['grpc-message']).to.equal('%C3%BC 100%25 done%0Anext line');
    });

    it('server streaming: every message in order, headers and trailers', async function () {
      const call = client.count({ count: 5 }) as grpc.ClientReadableStream<{ index: number }>;
      let header: grpc.Metadata | undefined;
      call.on('metadata', (metadata: grpc.Metadata) => (header = metadata));
      const status = new Promise<grpc.StatusObject>((resolve) => call.once('status', resolve));
      const indexes: number[] = [];
      await within(5000, 'count', new Promise<void>((resolve, reject) => {
        call.on('data', (outcome: { index: number }) => indexes.push(outcome.index));
        call.on('end', resolve);
        call.on('error', reject);
      }));
      expect(indexes).to.deep.equal([0, 1, 2, 3, 4]);
      expect(header?.get('x-count')).to.deep.equal(['5']);
      const trailer = await within(5000, 'the status of count', status);
      expect(trailer.metadata.get('x-sent')).to.deep.equal(['5']);
    });

    it('client streaming and bidi: requests in order, interleaved answers', async function () {
      const sum = await within(5000, 'sum', new Promise<Record<string, unknown>>((resolve, reject) => {
        const call = client.sum(((error, response) => (error ? reject(error) : resolve(response!))) as Callback) as grpc.ClientWritableStream<unknown>;
        for (let value = 1n; value <= 100n; value++) call.write({ value: value * 2n ** 50n });
        call.end();
      }));
      expect(sum.value).to.equal(5050n * 2n ** 50n);
      expect(sum.index).to.equal(100);

      const chat = client.chat() as grpc.ClientDuplexStream<unknown, { value: bigint; peer: string }>;
      const answers = chat[Symbol.asyncIterator]();
      for (let value = 1n; value <= 3n; value++) {
        chat.write({ value });
        const next = (await within(5000, `answer ${value}`, answers.next())) as IteratorResult<{ value: bigint; peer: string }>;
        expect(next.value.value).to.equal(value * 2n);
        expect(next.value.peer).to.equal(FIXTURE_PEER);
      }
      chat.end();
      expect((await within(5000, 'end of chat', answers.next())).done).to.equal(true);
    });

    it('a cancelled call (RST_STREAM CANCEL) aborts the handler\'s signal, unary and bidi', async function () {
      const call = client.act({ hang: true, key: 'cancel-unary' }, () => undefined) as grpc.ClientUnaryCall;
      await whenStarted(fx.log, 'cancel-unary');
      call.cancel();
      await whenCancelled(fx.log, 'cancel-unary');

      const chat = client.chat() as grpc.ClientDuplexStream<unknown, unknown>;
      chat.on('error', () => undefined);
      chat.write({ value: 1n });
      await within(5000, 'first answer', new Promise((resolve) => chat.once('data', resolve)));
      chat.cancel();
      await whenCancelled(fx.log, '/vmrpc.testing.v1.Streaming/Chat');
    });

    it('answers a unary call with one socket write: response headers, message and trailers gathered', async function () {
      await fx.close();
      let writes = 0;
      fx = await engineFixture({
        onConnection: (socket) => {
          const write = socket.write;
          socket.write = function (this: net.Socket, ...args: Parameters<net.Socket['write']>) {
            writes++;
            return write.apply(this, args);
          } as net.Socket['write'];
        },
      });
      client.close();
      client = stockClient(fx);
      // The first calls also carry SETTINGS and their acknowledgements.
      for (let call = 0; call < 10; call++) await within(5000, 'warm-up', stockUnary(client, 'act', { value: 1n }).result);
      const before = writes;
      for (let call = 0; call < 200; call++) await within(5000, `call ${call}`, stockUnary(client, 'act', { value: 1n }).result);
      expect(writes - before).to.equal(200);
    });

    it('an unknown method is UNIMPLEMENTED naming it', async function () {
      const error = await serviceError(new Promise((resolve, reject) => {
        client.makeUnaryRequest('/vmrpc.testing.v1.Streaming/Nope', (value: Buffer) => value, (value: Buffer) => value, Buffer.alloc(0), (failure, response) => (failure ? reject(failure) : resolve(response)));
      }));
      expect(error.code).to.equal(Status.UNIMPLEMENTED);
      expect(error.details).to.equal('The server does not implement the method /vmrpc.testing.v1.Streaming/Nope');
    });

    it('garbage instead of the HTTP/2 preface: that connection closes, the server serves on', async function () {
      const socket = net.connect(fx.path);
      socket.on('error', () => undefined);
      socket.write('GET / HTTP/1.1\r\nHost: agent\r\n\r\n');
      socket.resume();
      await within(5000, 'garbage connection closed', new Promise((resolve) => socket.once('close', resolve)));
      const response = await within(5000, 'a call after the garbage', stockUnary(client, 'act', { value: 1n }).result);
      expect(response.value).to.equal(1n);
    });

    it('drain: a call in progress finishes within the grace, then the link closes', async function () {
      const call = stockUnary(client, 'act', { delayMs: 300, key: 'in-flight', value: 5n });
      await whenStarted(fx.log, 'in-flight');
      const started = Date.now();
      const drained = fx.links.drain(10_000);
      expect((await within(5000, 'call during drain', call.result)).value).to.equal(5n);
      await within(5000, 'drain', drained);
      expect(Date.now() - started).to.be.lessThan(5000);
      expect(fx.links.openLinks).to.equal(0);
      expect(fx.log.cancelled).to.deep.equal([]);
    });

    it('drain: a call still running at the end of the grace is cut off and its handler cancelled', async function () {
      const call = stockUnary(client, 'act', { hang: true, key: 'too-long' });
      await whenStarted(fx.log, 'too-long');
      await within(5000, 'drain', fx.links.drain(200));
      const error = await serviceError(call.result);
      expect(error.code).to.equal(Status.UNAVAILABLE);
      await whenCancelled(fx.log, 'too-long');
    });
  });

  describe('a peer that goes silent after the preface', function () {
    it('is closed with GOAWAY(SETTINGS_TIMEOUT) after handshakeTimeoutMs; others are served', async function () {
      fx = await engineFixture({ handshakeTimeoutMs: 300 });
      const socket = net.connect(fx.path);
      socket.on('error', () => undefined);
      const received: Buffer[] = [];
      socket.on('data', (chunk: Buffer) => received.push(chunk));
      socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n'); // the preface, then no SETTINGS
      await within(5000, 'the silent connection closed', new Promise((resolve) => socket.once('close', resolve)));
      // Our SETTINGS, then GOAWAY (type 7) whose error code (payload bytes 4-7) is SETTINGS_TIMEOUT (4).
      const bytes = Buffer.concat(received);
      let goawayCode: number | undefined;
      for (let at = 0; at + 9 <= bytes.length; at += 9 + bytes.readUIntBE(at, 3)) {
        if (bytes[at + 3] === 7) goawayCode = bytes.readUInt32BE(at + 9 + 4);
      }
      expect(goawayCode).to.equal(4);
      client = stockClient(fx);
      const response = await within(5000, 'a call after the silent peer', stockUnary(client, 'act', { value: 2n }).result);
      expect(response.value).to.equal(2n);
    });

    it('a handshakeTimeoutMs that is not a positive number is a RangeError naming it', function () {
      for (const bad of [0, -1, Number.NaN, Infinity]) {
        expect(() => createServer({ handshakeTimeoutMs: bad })).to.throw(RangeError, /options\.handshakeTimeoutMs must be a positive number/);
      }
    });
  });

  describe('the fallback to grpc-js', function () {
    it('grpc-js server interceptors (or options the engine does not know) serve the links with grpc-js, and they run', async function () {
      let intercepted = 0;
      const interceptor: grpc.ServerInterceptor = (_descriptor, call) => {
        intercepted++;
        return new grpc.ServerInterceptingCall(call);
      };
      fx = await engineFixture({ grpc: { interceptors: [interceptor] }, pauseOnConnect: false });
      expect(fx.links.grpcFallback).to.match(/interceptors/);
      client = stockClient(fx);
      expect((await within(5000, 'act', stockUnary(client, 'act', { value: 2n }).result)).value).to.equal(2n);
      expect(intercepted).to.equal(1);
    });

    it('a GuestAgent says so in its log', async function () {
      const lines: string[] = [];
      const agent = new GuestAgent({ id: 'fallback', server: { grpc: { interceptors: [(_descriptor: grpc.ServerMethodDefinition<unknown, unknown>, call: grpc.ServerInterceptingCallInterface) => new grpc.ServerInterceptingCall(call)], 'grpc.max_connection_age_ms': 60_000 } }, logger: { info: (line) => lines.push(line) } });
      await agent.close();
      expect(lines).to.deep.equal(['vmrpc agent fallback: calls are served by grpc-js: server.grpc has options the engine server does not honour: interceptors, grpc.max_connection_age_ms']);
      const plain = new GuestAgent({ id: 'plain', server: { grpc: { interceptors: [], 'grpc.max_receive_message_length': 1 << 20 } }, logger: { info: (line) => lines.push(line) } });
      await plain.close();
      expect(lines).to.have.length(1);
    });
  });
});
