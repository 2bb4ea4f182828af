// The rpc server's own gRPC server on the HTTP/2 engine, served as GuestAgent serves its call
// links, against the stock grpc-js client and node:http2: the four kinds with metadata both ways,
// cancellation, deadlines, the gRPC rules for bad requests, compression, limits, flow control
// toward a client that stops reading, garbage instead of HTTP/2, and drain.
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import * as grpc from '@grpc/grpc-js';
import { GuestAgent, RpcError, Status, type CallContext } from '@vmrpc/rpc';
import { FrameDecoder, frameMessage } from '@vmrpc/transport';
import { expect } from 'chai';
import { sha256, within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation, until } from '../streaming-service.js';
import { engineFixture, FIXTURE_PEER, type EngineFixture } from './engine-fixture.js';
import { openStream, rawCall } from './raw-http2.js';

const ACT = '/vmrpc.testing.v1.Streaming/Act';
const SUM = '/vmrpc.testing.v1.Streaming/Sum';
const COUNT = '/vmrpc.testing.v1.Streaming/Count';
const Generic = grpc.makeGenericClientConstructor(StreamingService, 'Streaming');
type StockClient = InstanceType<typeof Generic>;
type Callback = (error: grpc.ServiceError | null, response?: Record<string, unknown>) => void;

function stockClient(fx: EngineFixture, options: grpc.ChannelOptions = {}): StockClient {
  return new Generic(fx.target, grpc.credentials.createInsecure(), options);
}

/** A unary call of the stock client, with the response headers and the status it reported. */
function stockUnary(client: StockClient, method: string, request: unknown, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}) {
  let headers: grpc.Metadata | undefined;
  let status: grpc.StatusObject | undefined;
  const result = new Promise<Record<string, unknown>>((resolve, reject) => {
    const call = (client[method] as (...args: unknown[]) => grpc.ClientUnaryCall)(request, metadata, options, ((error, response) => (error ? reject(error) : resolve(response!))) as Callback);
    call.on('metadata', (received: grpc.Metadata) => (headers = received));
    call.on('status', (received: grpc.StatusObject) => (status = received));
  });
  return { result, headers: () => headers, status: () => status };
}

async function serviceError(promise: Promise<unknown>): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    return error as grpc.ServiceError;
  }
  throw new Error('expected the call to fail');
}

const actRequest = (request: Parameters<typeof StreamingService.act.requestSerialize>[0]): Buffer => frameMessage(StreamingService.act.requestSerialize(request));

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
      let trailer: grpc.StatusObject | undefined;
      call.on('metadata', (metadata: grpc.Metadata) => (header = metadata));
      call.on('status', (status: grpc.StatusObject) => (trailer = status));
      const indexes: number[] = [];
      await within(5000, 'count', new Promise<void>((resolve, reject) => {
        call.on('data', (outcome: { index: number }) => indexes.push(outcome.index));
        call.on('end', resolve);
        call.on('error', reject);
      }));
      expect(indexes).to.deep.equal([0, 1, 2, 3, 4]);
      expect(header?.get('x-count')).to.deep.equal(['5']);
      await until(() => trailer !== undefined);
      expect(trailer?.metadata.get('x-sent')).to.deep.equal(['5']);
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
      await until(() => fx.log.deadlines.has('cancel-unary'));
      call.cancel();
      await until(() => fx.log.cancelled.includes('cancel-unary'));

      const chat = client.chat() as grpc.ClientDuplexStream<unknown, unknown>;
      chat.on('error', () => undefined);
      chat.write({ value: 1n });
      await within(5000, 'first answer', new Promise((resolve) => chat.once('data', resolve)));
      chat.cancel();
      await until(() => fx.log.cancelled.includes('/vmrpc.testing.v1.Streaming/Chat'));
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
      await until(() => fx.log.deadlines.has('in-flight'));
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
      await until(() => fx.log.deadlines.has('too-long'));
      await within(5000, 'drain', fx.links.drain(200));
      const error = await serviceError(call.result);
      expect(error.code).to.equal(Status.UNAVAILABLE);
      await until(() => fx.log.cancelled.includes('too-long'));
    });
  });

  describe('deadlines (grpc-timeout), enforced by the server', function () {
    it('DEADLINE_EXCEEDED to the client and the handler; a request still open is also reset', async function () {
      const log = newLog();
      const reasons = new Map<string, unknown>();
      const base = streamingImplementation(log);
      fx = await engineFixture({
        log,
        implementation: {
          ...base,
          async act(request, context: CallContext) {
            log.deadlines.set(request.key, context.deadline);
            await new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }));
            reasons.set(request.key, context.signal.reason);
            return {};
          },
          async sum(requests, context) {
            try {
              for await (const _ of requests) log.deadlines.set('sum', context.deadline);
            } catch (error) {
              reasons.set('sum', error);
            }
            return {};
          },
        },
      });
      const started = Date.now();
      const unary = await rawCall(fx.path, { path: ACT, headers: { 'grpc-timeout': '100m' }, body: [actRequest({ key: 'timed' })] });
      expect(unary.headers['grpc-status']).to.equal(String(Status.DEADLINE_EXCEEDED));
      expect(unary.headers['grpc-message']).to.equal('Deadline exceeded');
      expect(Date.now() - started).to.be.within(90, 3000);
      expect(log.deadlines.get('timed')?.getTime()).to.be.within(started + 90, started + 1000);
      expect((reasons.get('timed') as RpcError).code).to.equal(Status.DEADLINE_EXCEEDED);

      // A client-streaming call whose client never half-closes: trailers, then RST_STREAM(NO_ERROR).
      const streaming = await rawCall(fx.path, { path: SUM, headers: { 'grpc-timeout': '100m' }, body: [actRequest({ value: 1n })], end: false });
      expect(streaming.headers['grpc-status']).to.equal(String(Status.DEADLINE_EXCEEDED));
      expect(streaming.rstCode).to.equal(0);
      expect((reasons.get('sum') as RpcError).code).to.equal(Status.DEADLINE_EXCEEDED);
    });

    it('a malformed grpc-timeout is INTERNAL naming the value', async function () {
      fx = await engineFixture();
      const response = await rawCall(fx.path, { path: ACT, headers: { 'grpc-timeout': '1 hour' }, body: [actRequest({})] });
      expect(response.headers['grpc-status']).to.equal(String(Status.INTERNAL));
      expect(decodeURIComponent(String(response.headers['grpc-message']))).to.equal('Invalid grpc-timeout value "1 hour"');
    });
  });

  describe('requests that are not gRPC', function () {
    beforeEach(async function () {
      fx = await engineFixture();
    });

    it('a content-type other than application/grpc is HTTP 415; a method other than POST is 405', async function () {
      const json = await rawCall(fx.path, { path: ACT, contentType: 'application/json', body: [Buffer.from('{}')] });
      expect(json.headers[':status']).to.equal(415);
      expect(json.headers['grpc-status']).to.equal(undefined);
      const get = await rawCall(fx.path, { path: ACT, method: 'GET', end: true });
      expect(get.headers[':status']).to.equal(405);
      // The connection survives both.
      const ok = await rawCall(fx.path, { path: ACT, body: [actRequest({ value: 3n })] });
      expect(ok.trailers?.['grpc-status']).to.equal('0');
    });

    it('a header list over 64 KiB (node:http2\'s default, as grpc-js had) is refused before any handler runs', async function () {
      const big = await rawCall(fx.path, { path: ACT, headers: { 'x-big': 'a'.repeat(70_000) }, body: [actRequest({ key: 'big' })] });
      expect(big.rstCode).to.equal(http2.constants.NGHTTP2_REFUSED_STREAM);
      const fits = await rawCall(fx.path, { path: ACT, headers: { 'x-big': 'a'.repeat(60_000) }, body: [actRequest({ key: 'fits' })] });
      expect(fits.trailers?.['grpc-status']).to.equal('0');
      expect([...fx.log.deadlines.keys()]).to.deep.equal(['fits']);
    });

    it('a unary call with no request or two is UNIMPLEMENTED; a request cut inside a message is INTERNAL', async function () {
      const none = await rawCall(fx.path, { path: ACT, body: [] });
      expect(none.headers['grpc-status']).to.equal(String(Status.UNIMPLEMENTED));
      const two = await rawCall(fx.path, { path: ACT, body: [actRequest({}), actRequest({})] });
      expect(two.headers['grpc-status']).to.equal(String(Status.UNIMPLEMENTED));
      const cut = await rawCall(fx.path, { path: ACT, body: [actRequest({ value: 300n }).subarray(0, 6)] });
      expect(cut.headers['grpc-status']).to.equal(String(Status.INTERNAL));
    });
  });

  describe('compression and limits', function () {
    it('inflates gzip and deflate requests of the stock client: bytes intact', async function () {
      fx = await engineFixture();
      for (const algorithm of [2, 1]) {
        const compressing = stockClient(fx, { 'grpc.default_compression_algorithm': algorithm });
        try {
          const bytes = Buffer.concat([Buffer.alloc(100_000, algorithm), Buffer.from('tail')]);
          const response = await within(5000, `echo ${algorithm}`, stockUnary(compressing, 'echo', { scalars: { bytesValue: bytes } }).result);
          const scalars = response.scalars as { bytesValue: Uint8Array };
          expect(sha256(Buffer.from(scalars.bytesValue))).to.equal(sha256(bytes));
        } finally {
          compressing.close();
        }
      }
    });

    it('an unknown grpc-encoding is UNIMPLEMENTED with grpc-accept-encoding; a compressed flag without encoding INTERNAL', async function () {
      fx = await engineFixture();
      const compressed = Buffer.from(actRequest({ value: 1n }));
      compressed[0] = 1;
      const snappy = await rawCall(fx.path, { path: ACT, headers: { 'grpc-encoding': 'snappy' }, body: [compressed] });
      expect(snappy.headers['grpc-status']).to.equal(String(Status.UNIMPLEMENTED));
      expect(snappy.headers['grpc-accept-encoding']).to.equal('identity,deflate,gzip');
      const bare = await rawCall(fx.path, { path: ACT, body: [compressed] });
      expect(bare.headers['grpc-status']).to.equal(String(Status.INTERNAL));
    });

    it('messages over grpc.max_receive_message_length are RESOURCE_EXHAUSTED, plain or inflated past it', async function () {
      fx = await engineFixture({ grpc: { 'grpc.max_receive_message_length': 1024 } });
      expect(fx.links.grpcFallback).to.equal(undefined);
      client = stockClient(fx);
      const error = await serviceError(stockUnary(client, 'echo', { scalars: { bytesValue: Buffer.alloc(2000, 7) } }).result);
      expect(error.code).to.equal(Status.RESOURCE_EXHAUSTED);
      expect(error.details).to.match(/^Received message larger than max \(\d+ vs\. 1024\)$/);
      const bomb = zlib.gzipSync(StreamingService.echo.requestSerialize({ scalars: { bytesValue: Buffer.alloc(100_000) } }));
      expect(bomb.length).to.be.lessThan(1024);
      const inflated = await rawCall(fx.path, { path: '/vmrpc.testing.v1.Streaming/Echo', headers: { 'grpc-encoding': 'gzip' }, body: [frameMessage(bomb, true)] });
      expect(inflated.headers['grpc-status']).to.equal(String(Status.RESOURCE_EXHAUSTED));
      expect(decodeURIComponent(String(inflated.headers['grpc-message']))).to.equal('Received message that decompresses to a size larger than 1024');
    });
  });

  describe('flow control (node:http2 as the peer: it credits its windows only as it reads)', function () {
    /** Twenty round trips on other connections: the server's loop turns many times, so a producer not held back would have run ahead. */
    async function serverTurns(): Promise<void> {
      for (let round = 0; round < 20; round++) await rawCall(fx.path, { path: ACT, body: [actRequest({})] });
    }

    it('a server stream whose client stops reading holds its handler back; every message arrives once reading resumes', async function () {
      const total = 2000;
      const body = 'x'.repeat(4096);
      let produced = 0;
      const log = newLog();
      fx = await engineFixture({
        log,
        implementation: {
          ...streamingImplementation(log),
          async *count() {
            for (let index = 0; index < total; index++) {
              produced = index + 1;
              yield { index, echoed: [body] };
            }
          },
        },
      });
      const { session, stream } = openStream(fx.path, { path: COUNT });
      try {
        stream.end(frameMessage(StreamingService.count.requestSerialize({ count: total })));
        stream.pause();
        await until(() => produced >= 10);
        await serverTurns();
        // The client's stream window (64 KiB) plus the engine's queue (64 KiB): about 32 messages of 4 KiB. Unbounded would be all 8 MiB.
        expect(produced).to.be.within(10, 40);
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
        let written = 0;
        const next = (): void => {
          while (written < total) {
            const message = frameMessage(StreamingService.sum.requestSerialize({ value: BigInt(written), key: body }));
            written++;
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
        await until(() => written >= 5);
        await serverTurns();
        // The engine's stream window (64 KiB) and node's write buffer: about 16 requests of 4 KiB. Unbounded would be all 2000.
        expect(written).to.be.within(5, 40);
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

  describe('keepalive', function () {
    it('a peer that stops answering PINGs loses its connection after keepalive_time + keepalive_timeout; one that answers keeps it', async function () {
      fx = await engineFixture({ grpc: { 'grpc.keepalive_time_ms': 100, 'grpc.keepalive_timeout_ms': 100 } });
      expect(fx.links.grpcFallback).to.equal(undefined);
      // HTTP/2's client preface and an empty SETTINGS frame, then silence: no PING is ever answered.
      const silent = net.connect(fx.path);
      silent.on('error', () => undefined);
      silent.write(Buffer.concat([Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1'), Buffer.from([0, 0, 0, 4, 0, 0, 0, 0, 0])]));
      silent.resume();
      const started = Date.now();
      await within(5000, 'the silent peer dropped', new Promise((resolve) => silent.once('close', resolve)));
      expect(Date.now() - started).to.be.at.least(150);
      // node:http2 answers PINGs: its connection outlives several keepalive rounds.
      const { session, stream } = openStream(fx.path, { path: ACT });
      try {
        stream.end(actRequest({ hang: true, key: 'kept' }));
        await until(() => fx.log.deadlines.has('kept'));
        const pings = new Promise<void>((resolve) => {
          let seen = 0;
          session.on('ping', () => ++seen === 3 && resolve());
        });
        await within(5000, 'three keepalive pings answered', pings);
        expect(fx.log.cancelled).to.deep.equal([]);
        expect(session.destroyed).to.equal(false);
      } finally {
        session.destroy();
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
