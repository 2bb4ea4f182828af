// The gRPC rules of the engine server, checked with node:http2 (a real HTTP/2 peer that sends
// what a gRPC library would not) and the stock grpc-js client: deadlines enforced by the server,
// requests that are not gRPC, compression, limits, keepalive.
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { RpcError, Status, type CallContext } from '@vmrpc/rpc';
import { frameMessage } from '@vmrpc/transport';
import { expect } from 'chai';
import { activeResourceCounts, sha256, within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation, whenStarted } from '../streaming-service.js';
import { engineFixture, type EngineFixture } from './engine-fixture.js';
import { openStream, rawCall } from './raw-http2.js';
import { ACT, SUM, actRequest, serviceError, stockClient, stockUnary, type StockClient } from './stock-client.js';

/** Resolves once every connection the fixture accepted and still holds has closed ('close': the set drops it then). */
function everySocketClosed(fx: EngineFixture): Promise<unknown> {
  const open = [...fx.sockets];
  return within(5000, `the server to close its ${open.length} open connection(s)`, Promise.all(open.map((socket) => new Promise((resolve) => socket.once('close', resolve)))));
}

describe('rpc server on the HTTP/2 engine: the rules of gRPC', function () {
  this.timeout(20_000);
  let fx: EngineFixture;
  let client: StockClient;

  afterEach(async function () {
    client?.close();
    await fx?.close();
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

    it('leaves no timer behind: calls with deadlines that end in time, and connections with keepalive that close', async function () {
      fx = await engineFixture();
      const timers = (): number => activeResourceCounts().Timeout ?? 0;
      // One call first: whatever the process keeps for good (module-level timers) exists by then.
      await rawCall(fx.path, { path: ACT, headers: { 'grpc-timeout': '10S' }, body: [actRequest({})] });
      await everySocketClosed(fx);
      const baseline = timers();
      for (let call = 0; call < 20; call++) {
        const response = await rawCall(fx.path, { path: ACT, headers: { 'grpc-timeout': '10S' }, body: [actRequest({ key: `t${call}` })] });
        expect(response.trailers?.['grpc-status']).to.equal('0');
      }
      await everySocketClosed(fx);
      expect(timers()).to.equal(baseline);
    });

    it('one connection: a short deadline after a long one (ended) and beside a longer one (running): each passes on time', async function () {
      fx = await engineFixture();
      // node:http2 as the client: it sends grpc-timeout and enforces no deadline of its own.
      const session = http2.connect('http://localhost', { createConnection: () => net.connect(fx.path) });
      session.on('error', () => undefined);
      const call = (timeout: string, request: Parameters<typeof actRequest>[0]): Promise<string | undefined> =>
        new Promise((resolve, reject) => {
          const stream = session.request({ ':method': 'POST', ':path': ACT, 'content-type': 'application/grpc', te: 'trailers', 'grpc-timeout': timeout });
          let status: string | undefined;
          stream.on('response', (headers) => (status = headers['grpc-status'] === undefined ? status : String(headers['grpc-status'])));
          stream.on('trailers', (trailers) => (status = String(trailers['grpc-status'])));
          stream.on('close', () => resolve(status));
          stream.on('error', reject);
          stream.resume();
          stream.end(actRequest(request));
        });
      try {
        // The connection's deadline timer is armed for 30 s by this call, which ends at once.
        expect(await within(5000, 'long', call('30S', { key: 'long' }))).to.equal('0');
        // Then one with a 1.5 s deadline, and one beside it with 0.2 s: the timer fires for the
        // short one and is re-armed for the other.
        const started = Date.now();
        const longer = call('1500m', { hang: true, key: 'longer' });
        expect(await within(5000, 'short', call('200m', { hang: true, key: 'short' }))).to.equal(String(Status.DEADLINE_EXCEEDED));
        expect(Date.now() - started).to.be.within(150, 1400);
        expect(await within(5000, 'longer', longer)).to.equal(String(Status.DEADLINE_EXCEEDED));
        expect(Date.now() - started).to.be.within(1400, 5000);
      } finally {
        session.destroy();
      }
    });

    it('a deadline already passed (grpc-timeout 0m): DEADLINE_EXCEEDED before any handler runs, unary and streaming', async function () {
      const log = newLog();
      const ran: string[] = [];
      const base = streamingImplementation(log);
      fx = await engineFixture({
        log,
        implementation: {
          ...base,
          async act() {
            ran.push('act');
            return {};
          },
          async sum(requests) {
            ran.push('sum');
            for await (const _ of requests) void _;
            return {};
          },
        },
      });
      const unary = await rawCall(fx.path, { path: ACT, headers: { 'grpc-timeout': '0m' }, body: [actRequest({})] });
      expect(unary.headers['grpc-status']).to.equal(String(Status.DEADLINE_EXCEEDED));
      const streaming = await rawCall(fx.path, { path: SUM, headers: { 'grpc-timeout': '0n' }, body: [actRequest({ value: 1n })] });
      expect(streaming.headers['grpc-status']).to.equal(String(Status.DEADLINE_EXCEEDED));
      expect(ran).to.deep.equal([]);
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

    it('requests refused at their message prefix give their bytes back: the connection keeps answering', async function () {
      fx = await engineFixture();
      const session = http2.connect('http://localhost', { createConnection: () => net.connect(fx.path) });
      session.on('error', () => undefined);
      try {
        const call = (body: Buffer): Promise<string | undefined> =>
          within(5000, 'an answer on the shared connection', new Promise<string | undefined>((resolve) => {
            const stream = session.request({ ':method': 'POST', ':path': ACT, 'content-type': 'application/grpc', te: 'trailers' });
            let grpcStatus: string | undefined;
            stream.on('error', () => undefined);
            stream.on('response', (headers) => (grpcStatus ??= headers['grpc-status'] as string | undefined));
            stream.on('trailers', (trailers) => (grpcStatus = trailers['grpc-status'] as string | undefined));
            stream.on('close', () => resolve(grpcStatus));
            stream.resume();
            // One DATA frame with END_STREAM: the stream then closes normally, not by a reset.
            stream.end(body);
          }));
        // Five bad prefixes of 16000 bytes each: more than the connection's 65535-byte window in all.
        const bad = Buffer.alloc(16_000);
        bad[0] = 2;
        for (let i = 0; i < 5; i++) expect(await call(bad)).to.equal(String(Status.INTERNAL));
        expect(await call(Buffer.from(actRequest({})))).to.equal(String(Status.OK));
      } finally {
        session.destroy();
      }
    });

    it('a compressed flag other than 0 or 1 is INTERNAL naming the flag; a request written a byte at a time is one message', async function () {
      fx = await engineFixture();
      const bad = Buffer.from(actRequest({ value: 1n }));
      bad[0] = 2;
      const refused = await rawCall(fx.path, { path: ACT, body: [bad] });
      expect(refused.headers['grpc-status']).to.equal(String(Status.INTERNAL));
      expect(decodeURIComponent(String(refused.headers['grpc-message']))).to.equal('invalid compressed flag 2 in a message header');
      // Written a byte at a time (node:http2 may still gather writes into fewer DATA frames; the
      // decoder's splits are covered one by one in test/transport/framing.test.ts).
      const request = actRequest({ key: 'split', value: 7n });
      const split = await rawCall(fx.path, { path: ACT, body: [...request].map((byte) => Buffer.of(byte)) });
      expect(split.trailers?.['grpc-status'], JSON.stringify(split)).to.equal('0');
      expect(split.data.length).to.be.greaterThan(5);
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

  describe('the other grpc-js options the engine honours', function () {
    it('grpc.max_send_message_length: a larger response is RESOURCE_EXHAUSTED; grpc.max_concurrent_streams: announced in SETTINGS', async function () {
      fx = await engineFixture({ grpc: { 'grpc.max_send_message_length': 100, 'grpc.max_concurrent_streams': 2 } });
      expect(fx.links.grpcFallback).to.equal(undefined);
      client = stockClient(fx);
      const small = await within(5000, 'small echo', stockUnary(client, 'echo', { scalars: { stringValue: 'short' } }).result);
      expect((small.scalars as { stringValue: string }).stringValue).to.equal('short');
      const error = await serviceError(stockUnary(client, 'echo', { scalars: { stringValue: 'x'.repeat(200) } }).result);
      expect(error.code).to.equal(Status.RESOURCE_EXHAUSTED);
      expect(error.details).to.match(/^Sent message larger than max \(\d+ vs\. 100\)$/);
      const { session } = openStream(fx.path, { path: ACT });
      try {
        const settings = await within(5000, 'SETTINGS', new Promise<http2.Settings>((resolve) => session.once('remoteSettings', resolve)));
        expect(settings.maxConcurrentStreams).to.equal(2);
        expect(settings.maxHeaderListSize).to.equal(65535);
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
        await whenStarted(fx.log, 'kept');
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

});
