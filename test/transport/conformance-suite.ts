/**
 * The transport conformance suite: the same cases for every client variant (the stock grpc-js
 * client over a Unix socket is the reference), against a real grpc-js server behind listen().
 * Deviations of our channel from the reference must be deliberate and documented.
 */
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { createHash, randomBytes } from 'node:crypto';
import { within } from '../support/checks.js';
import { conformanceServer, type ConformanceClient, type Request, type Response, type ServerLog } from './conformance-service.js';

export interface RunningServer {
  /** The target clients dial, e.g. `unix:/tmp/x.sock` or `vsock:1:5000`. */
  clientTarget: string;
  stop(): Promise<void>;
}

export interface ConformanceVariant {
  /** Serves `server` on a fresh target. */
  startServer(server: grpc.Server): Promise<RunningServer>;
  /** A client of the Conformance service for `target`. */
  makeClient(target: string, options?: grpc.ChannelOptions): ConformanceClient;
  /** What server-side call.getPeer() must look like for this variant. */
  expectedPeer: RegExp;
}

type UnaryFn = (request: Request, metadata: grpc.Metadata, options: grpc.CallOptions, callback: (error: grpc.ServiceError | null, response?: Response) => void) => grpc.ClientUnaryCall;

export function unary(client: ConformanceClient, request: Request, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): Promise<Response> & { call: grpc.ClientUnaryCall } {
  let call!: grpc.ClientUnaryCall;
  const promise = new Promise<Response>((resolve, reject) => {
    call = (client.Unary as unknown as UnaryFn).call(client, request, metadata, options, (error, response) => (error ? reject(error) : resolve(response!)));
  }) as Promise<Response> & { call: grpc.ClientUnaryCall };
  promise.call = call;
  return promise;
}

/** A unary call with the response headers and trailers it received. */
export async function unaryWithMetadata(client: ConformanceClient, request: Request, metadata: grpc.Metadata): Promise<{ response: Response; headers?: grpc.Metadata; trailers?: grpc.Metadata }> {
  let headers: grpc.Metadata | undefined;
  let trailers: grpc.Metadata | undefined;
  const promise = unary(client, request, metadata);
  promise.call.on('metadata', (m: grpc.Metadata) => (headers = m));
  promise.call.on('status', (s: grpc.StatusObject) => (trailers = s.metadata));
  const response = await within(10_000, 'unary', promise);
  // The status (with the trailers) may be delivered after the callback.
  await new Promise((resolve) => setImmediate(resolve));
  return { response, headers, trailers };
}

export async function expectStatus(promise: Promise<unknown>, code: grpc.status): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    const serviceError = error as grpc.ServiceError;
    expect(serviceError.code, serviceError.details).to.equal(code);
    return serviceError;
  }
  throw new Error(`expected status ${grpc.status[code]}, but the call succeeded`);
}

export function defineConformanceSuite(variant: ConformanceVariant): void {
  let running: RunningServer;
  let client: ConformanceClient;
  const log: ServerLog = { cancelled: 0, peers: [] };

  before(async () => {
    running = await variant.startServer(conformanceServer(log));
    client = variant.makeClient(running.clientTarget);
  });

  after(async () => {
    client?.close();
    await running?.stop();
  });

  it('unary: payload, metadata both ways (text and -bin), headers and trailers', async () => {
    const metadata = new grpc.Metadata();
    metadata.add('x-echo', 'hello');
    metadata.add('x-echo', 'world');
    const { response, headers, trailers } = await unaryWithMetadata(client, { payload: Buffer.from('ping') }, metadata);
    expect(response.payload.toString()).to.equal('ping');
    // HTTP/2 carries repeated text values as one header joined with ", " (as every gRPC stack does).
    expect(response.echoedMetadata).to.deep.equal(['hello, world']);
    expect(response.peer).to.match(variant.expectedPeer);
    expect(headers?.get('x-header')).to.deep.equal(['from-server']);
    expect(trailers?.get('x-trailer')).to.deep.equal(['done']);
    expect(trailers?.get('x-trailer-bin')).to.deep.equal([Buffer.from([0, 1, 2, 255])]);
  });

  it('response metadata: the headers as sent (content-type and date included), trailers without the status', async () => {
    let headers: grpc.Metadata | undefined;
    let trailers: grpc.Metadata | undefined;
    const promise = unary(client, { payload: Buffer.from('meta') });
    promise.call.on('metadata', (m: grpc.Metadata) => (headers = m));
    promise.call.on('status', (s: grpc.StatusObject) => (trailers = s.metadata));
    await within(10_000, 'unary', promise);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Object.keys(headers?.getMap() ?? {}).sort()).to.deep.equal(['content-type', 'date', 'x-header']);
    expect(headers?.get('content-type')).to.deep.equal(['application/grpc+proto']);
    expect(String(headers?.get('date')[0])).to.match(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/);
    expect(Object.keys(trailers?.getMap() ?? {}).sort()).to.deep.equal(['x-trailer', 'x-trailer-bin']);
  });

  it('response metadata of a Trailers-Only response: content-type and date, no status headers', async () => {
    const promise = new Promise((resolve, reject) =>
      client.makeUnaryRequest('/vmrpc.testing.v1.Conformance/Nope', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    );
    const error = await within(10_000, 'trailers-only', expectStatus(promise, grpc.status.UNIMPLEMENTED));
    expect(Object.keys(error.metadata.getMap()).sort()).to.deep.equal(['content-type', 'date']);
    expect(error.metadata.get('content-type')).to.deep.equal(['application/grpc+proto']);
  });

  it('unary: 8 MiB each way arrives exactly', async () => {
    const payload = randomBytes(8 << 20);
    const big = variant.makeClient(running.clientTarget, { 'grpc.max_receive_message_length': 64 << 20 });
    try {
      const response = await within(60_000, 'big unary', unary(big, { payload }));
      expect(createHash('sha256').update(response.payload).digest('hex')).to.equal(createHash('sha256').update(payload).digest('hex'));
    } finally {
      big.close();
    }
  });

  it('error status with details percent-encoded on the wire, and trailing metadata', async () => {
    const details = 'bad thing: 100% ünïcödé \u{1F600} \n newline';
    const error = await expectStatus(unary(client, { statusCode: grpc.status.FAILED_PRECONDITION, statusMessage: details }), grpc.status.FAILED_PRECONDITION);
    expect(error.details).to.equal(details);
    expect(error.metadata.get('x-trailer')).to.deep.equal(['done']);
  });

  it('server streaming: 500 messages in order', async () => {
    const call = (client.ServerStream as unknown as (r: Request) => grpc.ClientReadableStream<Response>).call(client, { responseCount: 500 });
    const indexes: number[] = [];
    for await (const response of call) indexes.push((response as Response).index);
    expect(indexes).to.deep.equal(Array.from({ length: 500 }, (_, i) => i));
  });

  it('server streaming: 64 MiB in 1 MiB messages with a slow reader (flow control)', async () => {
    const big = variant.makeClient(running.clientTarget, { 'grpc.max_receive_message_length': 4 << 20 });
    try {
      const call = (big.ServerStream as unknown as (r: Request) => grpc.ClientReadableStream<Response>).call(big, { responseCount: 64, responseSize: 1 << 20 });
      let bytes = 0;
      let count = 0;
      for await (const response of call) {
        const payload = (response as Response).payload;
        expect(payload[0]).to.equal(count % 256);
        bytes += payload.length;
        if (count++ % 16 === 0) await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(bytes).to.equal(64 << 20);
    } finally {
      big.close();
    }
  });

  it('client streaming: 200 messages, hashed by the server', async () => {
    const chunks = Array.from({ length: 200 }, () => randomBytes(1 + Math.floor(Math.random() * 20_000)));
    const result = new Promise<Response>((resolve, reject) => {
      const call = (client.ClientStream as unknown as (cb: (e: grpc.ServiceError | null, r?: Response) => void) => grpc.ClientWritableStream<Request>).call(client, (error, response) =>
        error ? reject(error) : resolve(response!),
      );
      (async () => {
        for (const payload of chunks) if (!call.write({ payload })) await new Promise((r) => call.once('drain', r));
        call.end();
      })().catch(reject);
    });
    const response = await within(30_000, 'client stream', result);
    expect(response.index).to.equal(200);
    expect(response.payload.toString('hex')).to.equal(createHash('sha256').update(Buffer.concat(chunks)).digest('hex'));
  });

  it('bidi streaming: ping-pong of 100 messages', async () => {
    const call = (client.Bidi as unknown as () => grpc.ClientDuplexStream<Request, Response>).call(client);
    const iterator = call[Symbol.asyncIterator]();
    for (let i = 0; i < 100; i++) {
      call.write({ payload: Buffer.from(`m${i}`) });
      const { value } = await within(10_000, 'pong', iterator.next());
      expect((value as Response).payload.toString()).to.equal(`m${i}`);
    }
    call.end();
    expect((await iterator.next()).done).to.equal(true);
  });

  it('bidi streaming: an error status ends the call after earlier messages', async () => {
    const call = (client.Bidi as unknown as () => grpc.ClientDuplexStream<Request, Response>).call(client);
    const received: string[] = [];
    const done = new Promise<grpc.ServiceError>((resolve) => {
      call.on('data', (response: Response) => received.push(response.payload.toString()));
      call.on('error', (error: grpc.ServiceError) => resolve(error));
    });
    call.write({ payload: Buffer.from('a') });
    call.write({ payload: Buffer.from('b') });
    call.write({ statusCode: grpc.status.ABORTED, statusMessage: 'stop' });
    const error = await within(10_000, 'bidi error', done);
    expect(error.code).to.equal(grpc.status.ABORTED);
    expect(received).to.deep.equal(['a', 'b']);
  });

  it('deadline: DEADLINE_EXCEEDED at the client, and the server sees the cancellation', async () => {
    const before = log.cancelled;
    const started = Date.now();
    await expectStatus(unary(client, { delayMs: 3000 }, new grpc.Metadata(), { deadline: Date.now() + 300 }), grpc.status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).to.be.below(2500);
    await within(5000, 'server-side cancel', (async () => {
      while (log.cancelled === before) await new Promise((r) => setTimeout(r, 20));
    })());
  });

  it('cancel: CANCELLED at the client, and the server sees it', async () => {
    const before = log.cancelled;
    const promise = unary(client, { delayMs: 3000 });
    setTimeout(() => promise.call.cancel(), 200);
    await expectStatus(promise, grpc.status.CANCELLED);
    await within(5000, 'server-side cancel', (async () => {
      while (log.cancelled === before) await new Promise((r) => setTimeout(r, 20));
    })());
  });

  it('max receive message size: RESOURCE_EXHAUSTED', async () => {
    const small = variant.makeClient(running.clientTarget, { 'grpc.max_receive_message_length': 1024 });
    try {
      await expectStatus(unary(small, { responseSize: 4096 }), grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      small.close();
    }
  });

  it('max send message size: RESOURCE_EXHAUSTED', async () => {
    const small = variant.makeClient(running.clientTarget, { 'grpc.max_send_message_length': 1024 });
    try {
      await expectStatus(unary(small, { payload: Buffer.alloc(4096) }), grpc.status.RESOURCE_EXHAUSTED);
    } finally {
      small.close();
    }
  });

  it('an unknown method: UNIMPLEMENTED', async () => {
    const promise = new Promise((resolve, reject) =>
      client.makeUnaryRequest('/vmrpc.testing.v1.Conformance/Nope', (x: Buffer) => x, (x: Buffer) => x, Buffer.alloc(0), (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    );
    await expectStatus(promise, grpc.status.UNIMPLEMENTED);
  });

  it('interceptors of the stock Client add metadata', async () => {
    const interceptor: grpc.Interceptor = (options, nextCall) =>
      new grpc.InterceptingCall(nextCall(options), {
        start(metadata, listener, next) {
          metadata.add('x-echo', 'from-interceptor');
          next(metadata, listener);
        },
      });
    const response = await within(10_000, 'intercepted', unary(client, {}, new grpc.Metadata(), { interceptors: [interceptor] }));
    expect(response.echoedMetadata).to.deep.equal(['from-interceptor']);
  });

  it('call credentials add metadata', async () => {
    const credentials = grpc.credentials.createFromMetadataGenerator((_params, callback) => {
      const metadata = new grpc.Metadata();
      metadata.add('x-echo', 'from-credentials');
      callback(null, metadata);
    });
    const response = await within(10_000, 'with credentials', unary(client, {}, new grpc.Metadata(), { credentials }));
    expect(response.echoedMetadata).to.deep.equal(['from-credentials']);
  });

  it('200 concurrent unary calls on one channel', async () => {
    const results = await within(
      60_000,
      'concurrent',
      Promise.all(Array.from({ length: 200 }, (_, i) => unary(client, { payload: Buffer.from(String(i)) }))),
    );
    expect(results.map((r) => r.payload.toString())).to.deep.equal(Array.from({ length: 200 }, (_, i) => String(i)));
  });
}
