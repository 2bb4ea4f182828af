// A real HTTP/2 intermediary between our channel and a grpc-js server: Debian's nginx as a gRPC
// proxy (grpc_pass), on both engines. nginx speaks HTTP/2 its own way (its own SETTINGS,
// GOAWAY after keepalive_requests, a small stream limit, 502 pages when the backend is gone),
// so this is where an engine meets a peer that is not Node.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter, once } from 'node:events';
import * as fs from 'node:fs';
import { clientOptions, listen, type Http2Engine, type VmGrpcListener } from '@vmrpc/transport';
import { socketPath, within } from '../support/checks.js';
import { ConformanceClient, conformanceServer, type ConformanceClient as ConformanceClientType, type Request, type Response, type ServerLog } from './conformance-service.js';
import { expectStatus, unary, unaryWithMetadata } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';
import { findNginx, startNginx, type NginxOptions, type RunningNginx } from './nginx.js';

type Client = ConformanceClientType;

const UNLIMITED = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };
const MiB = 1024 * 1024;

/** A server log whose `cancelled` count also emits 'cancelled', so tests wait on an event. */
function observedLog(): ServerLog & { events: EventEmitter } {
  const events = new EventEmitter();
  let cancelled = 0;
  const log = { peers: [] as string[], events } as ServerLog & { events: EventEmitter };
  Object.defineProperty(log, 'cancelled', {
    get: () => cancelled,
    set: (value: number) => {
      cancelled = value;
      events.emit('cancelled', value);
    },
  });
  return log;
}

function sha(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function clientFor(target: string, http2: Http2Engine | 'stock grpc-js'): Client {
  if (http2 === 'stock grpc-js') return new ConformanceClient(target, grpc.credentials.createInsecure(), UNLIMITED) as Client;
  return new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { http2, grpc: UNLIMITED })) as Client;
}

const nginxBinary = findNginx();

function requireNginx(context: Mocha.Context): string {
  if (nginxBinary !== undefined) return nginxBinary;
  if (process.env.CI === 'true') throw new Error('nginx is needed for the proxy test (apt-get install nginx)');
  context.skip();
}

/** A grpc-js conformance server behind listen(), nginx in front of it, and a client of nginx on `http2`. */
function proxied(http2: Http2Engine | 'stock grpc-js', options: Omit<NginxOptions, 'backend'> = {}) {
  const state = {
    log: observedLog(),
    backend: undefined as VmGrpcListener | undefined,
    nginx: undefined as RunningNginx | undefined,
    client: undefined as unknown as Client,
  };
  before(async function () {
    const binary = requireNginx(this);
    const backendPath = socketPath('nginx-backend');
    // Every upstream connection of nginx comes from one Unix peer: allow more than listen()'s
    // default 64 per peer, as a deployment behind a proxy must.
    state.backend = await listen(conformanceServer(state.log), `unix:${backendPath}`, { maxConnectionsPerPeer: 1024 });
    state.nginx = await startNginx(binary, { ...options, backend: backendPath });
    state.client = clientFor(state.nginx.target, http2);
  });
  afterEach(function () {
    // nginx's error log says why it answered as it did (e.g. an upstream failure behind a 502).
    if (this.currentTest?.state === 'failed') console.error(`nginx error log:\n${state.nginx?.errors()}`);
  });
  after(async () => {
    state.client?.close();
    await state.nginx?.stop();
    await state.backend?.close(1000);
  });
  return state;
}

function serverStream(client: Client, request: Request, options: grpc.CallOptions = {}): grpc.ClientReadableStream<Response> {
  return (client.ServerStream as unknown as (r: Request, m: grpc.Metadata, o: grpc.CallOptions) => grpc.ClientReadableStream<Response>)(request, new grpc.Metadata(), options);
}

/** `count` unary calls at once, each echoing its own payload back. */
async function concurrentEchoes(client: Client, what: string, count: number, delayMs = 0): Promise<void> {
  const sent = Array.from({ length: count }, (_, i) => `${what}: ${i}`);
  const responses = await within(20_000, what, Promise.all(sent.map((text) => unary(client, { payload: Buffer.from(text), delayMs }))));
  expect(responses.map((r) => r.payload.toString())).to.deep.equal(sent);
}

for (const http2 of [...HTTP2_ENGINES, 'stock grpc-js' as const]) describe(`through nginx as a gRPC proxy (${http2} HTTP/2)`, function () {
  this.timeout(60_000);

  describe('calls and bytes', () => {
    const proxy = proxied(http2);

    it('unary: metadata both ways, headers and trailers (text and binary)', async () => {
      const metadata = new grpc.Metadata();
      metadata.set('x-echo', 'through-nginx');
      metadata.set('x-echo-bin', Buffer.from([0, 255]));
      const { response, headers, trailers } = await unaryWithMetadata(proxy.client, { payload: Buffer.from('hello nginx') }, metadata);
      expect(response.payload.toString()).to.equal('hello nginx');
      expect(response.echoedMetadata).to.deep.equal(['through-nginx']);
      expect(headers?.get('x-header')).to.deep.equal(['from-server']);
      expect(trailers?.get('x-trailer')).to.deep.equal(['done']);
      expect(trailers?.get('x-trailer-bin')).to.deep.equal([Buffer.from([0, 1, 2, 255])]);
    });

    it('an error status and its non-ASCII message pass unchanged', async () => {
      const error = await expectStatus(within(10_000, 'failing unary', unary(proxy.client, { statusCode: grpc.status.FAILED_PRECONDITION, statusMessage: 'nein: ünïcödé 100%' })), grpc.status.FAILED_PRECONDITION);
      expect(error.details).to.equal('nein: ünïcödé 100%');
      expect(error.metadata.get('x-trailer')).to.deep.equal(['done']);
    });

    it('4 MiB each way in one unary call (sha256 both ways)', async () => {
      const data = randomBytes(4 * MiB);
      const response = await within(30_000, '4 MiB unary', unary(proxy.client, { payload: data }));
      expect(response.bytesReceived).to.equal(String(data.length));
      expect(sha(response.payload)).to.equal(sha(data));
    });

    it('client stream: 4 MiB in 64 KiB messages, hashed by the server', async () => {
      const data = randomBytes(4 * MiB);
      const response = await within(30_000, 'client stream', new Promise<Response>((resolve, reject) => {
        const call = (proxy.client.ClientStream as unknown as (m: grpc.Metadata, cb: (e: grpc.ServiceError | null, r?: Response) => void) => grpc.ClientWritableStream<Request>)(
          new grpc.Metadata(),
          (error, value) => (error ? reject(error) : resolve(value!)),
        );
        for (let offset = 0; offset < data.length; offset += 64 * 1024) call.write({ payload: data.subarray(offset, offset + 64 * 1024) });
        call.end();
      }));
      expect(response.bytesReceived).to.equal(String(data.length));
      expect(response.index).to.equal(64);
      expect(response.payload.toString('hex')).to.equal(sha(data));
    });

    it('server stream: 4 x 1 MiB, every byte checked', async () => {
      const stream = serverStream(proxy.client, { responseCount: 4, responseSize: MiB });
      const received: Response[] = [];
      await within(30_000, 'server stream', (async () => {
        for await (const message of stream) received.push(message as Response);
      })());
      expect(received.map((r) => r.index)).to.deep.equal([0, 1, 2, 3]);
      for (const r of received) expect(sha(r.payload)).to.equal(sha(Buffer.alloc(MiB, r.index)));
    });

    it('bidi: 200 messages echoed in order', async () => {
      const call = (proxy.client.Bidi as unknown as () => grpc.ClientDuplexStream<Request, Response>)();
      const sent = Array.from({ length: 200 }, (_, i) => randomBytes(1 + (i * 97) % 5000));
      const received: Buffer[] = [];
      const done = (async () => {
        for await (const message of call) received.push((message as Response).payload);
      })();
      for (const payload of sent) call.write({ payload });
      call.end();
      await within(20_000, 'bidi', done);
      expect(received.map(sha)).to.deep.equal(sent.map(sha));
    });

    it('a deadline ends the call with DEADLINE_EXCEEDED on time', async () => {
      const started = Date.now();
      await expectStatus(within(10_000, 'deadline', unary(proxy.client, { delayMs: 5000 }, new grpc.Metadata(), { deadline: Date.now() + 300 })), grpc.status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.within(250, 2500);
    });

    it('cancelling a server stream reaches the backend (nginx resets its upstream stream)', async () => {
      const before = proxy.log.cancelled;
      const cancelledSeen = within(10_000, 'backend sees the cancellation', once(proxy.log.events, 'cancelled'));
      const stream = serverStream(proxy.client, { responseCount: 1_000_000, delayMs: 5 });
      const ended = new Promise<grpc.StatusObject>((resolve) => stream.on('status', resolve));
      stream.on('error', () => undefined);
      await within(10_000, 'first message', once(stream, 'data'));
      stream.cancel();
      expect((await within(10_000, 'status after cancel', ended)).code).to.equal(grpc.status.CANCELLED);
      await cancelledSeen;
      expect(proxy.log.cancelled).to.equal(before + 1);
    });
  });

  describe('GOAWAY after keepalive_requests 100', () => {
    const proxy = proxied(http2, { keepaliveRequests: 100 });

    function connectionsSince(lines: number): number {
      return new Set(proxy.nginx!.accessLog().slice(lines).map((line) => line.connection)).size;
    }

    it('1000 sequential calls all succeed, on new connections after each GOAWAY', async () => {
      const start = proxy.nginx!.accessLog().length;
      for (let i = 0; i < 1000; i++) {
        const response = await within(10_000, `call ${i}`, unary(proxy.client, { payload: Buffer.from(String(i)) }));
        expect(response.payload.toString()).to.equal(String(i));
      }
      const log = (await proxy.nginx!.accessLogOf(start + 1000)).slice(start);
      expect(log).to.have.length(1000);
      expect(log.every((line) => line.status === 200)).to.equal(true);
      expect(connectionsSince(start)).to.equal(10);
    });

    it('300 calls in batches of 50 concurrent all succeed', async () => {
      const start = proxy.nginx!.accessLog().length;
      for (let batch = 0; batch < 6; batch++) {
        await concurrentEchoes(proxy.client, `batch ${batch}`, 50);
      }
      const log = (await proxy.nginx!.accessLogOf(start + 300)).slice(start);
      expect(log.filter((line) => line.status === 200)).to.have.length(300);
      expect(connectionsSince(start)).to.be.at.least(3);
    });
  });

  describe('GOAWAY with calls in flight past the limit', () => {
    const proxy = proxied(http2, { keepaliveRequests: 100 });

    // Calls nginx never processed (stream ids past its GOAWAY's last stream id, or still waiting
    // for a stream slot when GOAWAY came) start again on the next connection (transparent retry).
    it('120 calls at once: those nginx did not process before its GOAWAY go to a new connection', async () => {
      await concurrentEchoes(proxy.client, '120 at once', 120);
      expect((await proxy.nginx!.accessLogOf(120)).filter((line) => line.status === 200)).to.have.length(120);
    });
  });

  describe('http2_max_concurrent_streams 8', () => {
    const proxy = proxied(http2, { maxConcurrentStreams: 8 });

    it('64 concurrent calls all complete', async () => {
      const start = proxy.nginx!.accessLog().length;
      await concurrentEchoes(proxy.client, '64 calls', 64, 20);
      // Held by the client until streams free up, not refused, and not spread over more connections.
      const log = (await proxy.nginx!.accessLogOf(start + 64)).slice(start);
      expect(log.filter((line) => line.status === 200)).to.have.length(64);
      expect(new Set(log.map((line) => line.connection)).size).to.equal(1);
    });
  });

  describe('the backend gone (nginx answers 502)', () => {
    let nginx: RunningNginx | undefined;
    before(async function () {
      const binary = requireNginx(this);
      const missing = socketPath('nginx-no-backend');
      fs.writeFileSync(missing, ''); // startNginx chmods it; then it is gone
      nginx = await startNginx(binary, { backend: missing });
      fs.rmSync(missing);
    });
    after(async () => nginx?.stop());

    it('fails with the code the stock grpc-js client gets through the same nginx', async () => {
      const stock = clientFor(nginx!.target, 'stock grpc-js');
      const ours = clientFor(nginx!.target, http2);
      try {
        const reference = await expectStatus(within(10_000, 'stock client', unary(stock, { payload: Buffer.from('x') })), grpc.status.UNAVAILABLE);
        const error = await expectStatus(within(10_000, 'our channel', unary(ours, { payload: Buffer.from('x') })), reference.code);
        expect(error.details).to.match(/502/);
      } finally {
        stock.close();
        ours.close();
      }
    });
  });
});
