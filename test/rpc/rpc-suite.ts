/**
 * The typed client and server over a VM socket target, every streaming shape, errors, metadata,
 * deadlines and cancellation. Run over `unix:` on the host (rpc.test.ts) and over `vsock:` in
 * the VM harness (rpc.vsock.test.ts): only the target differs.
 */
import { RpcError, Status, closeClient, createClient, createServer, type RpcServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, within } from '../support/checks.js';
import { StreamingService, type StreamingServiceClient } from './generated/vmrpc/testing/v1/streaming.js';
import { Color } from './generated/vmrpc/testing/v1/types.js';
import { Feed, newLog, streamingImplementation, whenCancelled, whenStarted, type ServerLog } from './streaming-service.js';

export interface SuiteTargets {
  /** Where the server listens (`unix:/tmp/x.sock`, `vsock:any:PORT`). */
  listen: string;
  /** Where the client connects (`unix:/tmp/x.sock`, `vsock:1:PORT`). */
  connect: string;
  /** What the server sees as the client's peer, as a pattern. */
  peer: RegExp;
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function rpcError(promise: Promise<unknown>): Promise<RpcError> {
  const error = await rejection(promise);
  expect(error).to.be.instanceOf(RpcError);
  return error as unknown as RpcError;
}

/** A running server of the suite: what the suite stops after each test. */
export interface SuiteServer {
  close(): Promise<void>;
}

/** Starts the Streaming service at `listen`, logging into `log`: createServer().listen() unless a suite brings its own server. */
export type StartSuiteServer = (log: ServerLog, listen: string) => Promise<SuiteServer>;

async function startRpcServer(log: ServerLog, listen: string): Promise<SuiteServer> {
  const server: RpcServer = createServer({ onError: (error) => log.errors.push(error) }).add(StreamingService, streamingImplementation(log));
  await server.listen(listen);
  return { close: () => server.close(1000) };
}

export function rpcSuite(makeTargets: () => SuiteTargets, startServer: StartSuiteServer = startRpcServer): void {
  let server: SuiteServer;
  let client: StreamingServiceClient;
  let log: ServerLog;
  let targets: SuiteTargets;

  beforeEach(async function () {
    targets = makeTargets();
    log = newLog();
    server = await startServer(log, targets.listen);
    client = createClient(StreamingService, targets.connect);
  });

  afterEach(async function () {
    closeClient(client);
    await server.close();
  });

  describe('unary', function () {
    it('round-trips a message with 64-bit integers, maps, oneofs and well-known types', async function () {
      const response = await within(5000, 'echo', client.echo({
        scalars: { int64Value: -(2n ** 63n), uint64Value: 2n ** 64n - 1n, bytesValue: Buffer.from([0, 255]) },
        maps: { int64ToString: { '9007199254740993': 'x' } },
        choice: { value: { $case: 'number', number: 2n ** 53n + 1n } },
        wellKnown: { timestamp: { seconds: 1n, nanos: 2 }, struct: { a: [1, 'b', null] } },
        color: Color.COLOR_BLUE,
      }));
      expect(response.scalars!.int64Value).to.equal(-(2n ** 63n));
      expect(response.scalars!.uint64Value).to.equal(2n ** 64n - 1n);
      expect(Buffer.from(response.scalars!.bytesValue).toString('hex')).to.equal('00ff');
      expect(response.maps!.int64ToString).to.deep.equal({ '9007199254740993': 'x' });
      expect(response.choice!.value).to.deep.equal({ $case: 'number', number: 2n ** 53n + 1n });
      expect(response.wellKnown!.timestamp).to.deep.equal({ seconds: 1n, nanos: 2 });
      expect(response.wellKnown!.struct).to.deep.equal({ a: [1, 'b', null] });
      expect(response.color).to.equal(Color.COLOR_BLUE);
    });

    it('carries request metadata, the peer, response headers and trailers', async function () {
      let header: string | undefined;
      let trailer: string | undefined;
      const response = await client.act(
        { value: 7n },
        { metadata: { 'x-echo': 'one' }, onHeader: (metadata) => (header = String(metadata.get('x-header')[0])), onTrailer: (metadata) => (trailer = String(metadata.get('x-trailer')[0])) },
      );
      expect(response.value).to.equal(7n);
      expect(response.echoed).to.deep.equal(['one']);
      expect(response.peer).to.match(targets.peer);
      expect(header).to.equal('from-handler');
      expect(trailer).to.equal('done');
    });

    it('answers google.protobuf.Empty', async function () {
      expect(await client.ping({})).to.deep.equal({});
    });

    it('turns a thrown RpcError into its status, details and trailing metadata', async function () {
      let trailer: string | undefined;
      const error = await rpcError(client.act({ failCode: Status.NOT_FOUND, failDetails: 'no such VM' }, { onTrailer: (metadata) => (trailer = String(metadata.get('x-trailer')[0])) }));
      expect(error.code).to.equal(Status.NOT_FOUND);
      expect(error.details).to.equal('no such VM');
      expect(error.message).to.equal('NOT_FOUND: no such VM');
      expect(error.metadata.get('x-error-detail')).to.deep.equal(['why']);
      expect(error.metadata.get('x-error-bin')).to.deep.equal([Buffer.from([1, 2, 3])]);
      expect(error.metadata.get('x-trailer')).to.deep.equal(['done']);
      expect(trailer).to.equal('done');
      expect(log.errors).to.deep.equal([]);
    });

    it('turns any other error into INTERNAL without leaking its message or stack', async function () {
      const error = await rpcError(client.act({ crashMessage: 'secret /etc/shadow at line 3' }));
      expect(error.code).to.equal(Status.INTERNAL);
      expect(error.details).to.equal('Internal server error');
      expect(JSON.stringify(error.metadata.toJSON())).to.not.include('secret');
      expect(log.errors).to.have.length(1);
      expect((log.errors[0] as Error).message).to.equal('secret /etc/shadow at line 3');
    });

    it('fails with DEADLINE_EXCEEDED after timeoutMs, and the server sees the deadline', async function () {
      const started = Date.now();
      const error = await rpcError(client.act({ hang: true, key: 'deadline' }, { timeoutMs: 200 }));
      expect(error.code).to.equal(Status.DEADLINE_EXCEEDED);
      expect(Date.now() - started).to.be.lessThan(3000);
      expect(log.deadlines.get('deadline')).to.be.instanceOf(Date);
      await whenCancelled(log, 'deadline');
    });

    it('cancels through an AbortSignal, and the server sees the cancellation', async function () {
      const controller = new AbortController();
      const call = client.act({ hang: true, key: 'abort-unary' }, { signal: controller.signal });
      await whenStarted(log, 'abort-unary');
      controller.abort();
      const error = await rpcError(call);
      expect(error.code).to.equal(Status.CANCELLED);
      await whenCancelled(log, 'abort-unary');
    });

    it('rejects at once with an already aborted signal', async function () {
      const error = await rpcError(client.act({ key: 'never' }, { signal: AbortSignal.abort() }));
      expect(error.code).to.equal(Status.CANCELLED);
      expect(log.deadlines.has('never')).to.equal(false);
    });
  });

  describe('server streaming', function () {
    it('yields every response in order, with headers and trailers', async function () {
      let header: string | undefined;
      let trailer: string | undefined;
      const responses = await collect(client.count({ count: 5 }, { onHeader: (metadata) => (header = String(metadata.get('x-count')[0])), onTrailer: (metadata) => (trailer = String(metadata.get('x-sent')[0])) }));
      expect(responses.map((response) => response.index)).to.deep.equal([0, 1, 2, 3, 4]);
      expect(responses[4]!.value).to.equal(4n * 2n ** 40n);
      expect(header).to.equal('5');
      expect(trailer).to.equal('5');
    });

    it('delivers the responses before an error, then throws the RpcError', async function () {
      const received: number[] = [];
      const error = await rpcError(
        (async () => {
          for await (const response of client.count({ count: 10, failAfter: 3 })) received.push(response.index);
        })(),
      );
      expect(received).to.deep.equal([0, 1, 2]);
      expect(error.code).to.equal(Status.RESOURCE_EXHAUSTED);
      expect(error.details).to.equal('stopped after 3');
    });

    it('cancels the call when the loop is left early', async function () {
      for await (const response of client.count({ count: 1000, delayMs: 20 })) {
        if (response.index === 2) break;
      }
      await whenCancelled(log, '/vmrpc.testing.v1.Streaming/Count');
    });

    it('cancels through an AbortSignal', async function () {
      const controller = new AbortController();
      const received: number[] = [];
      const error = await rpcError(
        (async () => {
          for await (const response of client.count({ count: 1000, delayMs: 20 }, { signal: controller.signal })) {
            received.push(response.index);
            if (response.index === 1) controller.abort();
          }
        })(),
      );
      expect(error.code).to.equal(Status.CANCELLED);
      expect(received.length).to.be.greaterThanOrEqual(2);
      await whenCancelled(log, '/vmrpc.testing.v1.Streaming/Count');
    });
  });

  describe('client streaming', function () {
    it('takes an async iterable of requests', async function () {
      async function* requests() {
        for (let value = 1n; value <= 100n; value++) yield { value: value * 2n ** 50n };
      }
      const response = await client.sum(requests());
      expect(response.value).to.equal(5050n * 2n ** 50n);
      expect(response.index).to.equal(100);
    });

    it('takes a plain array too', async function () {
      expect((await client.sum([{ value: 1n }, { value: 2n }])).value).to.equal(3n);
    });

    it('rejects with the handler\'s RpcError', async function () {
      const error = await rpcError(client.sum([{ value: 1n }, { failCode: Status.INVALID_ARGUMENT, failDetails: 'bad value' }]));
      expect(error.code).to.equal(Status.INVALID_ARGUMENT);
      expect(error.details).to.equal('bad value');
    });

    it('rejects with the caller\'s own error when the request iterable throws, and cancels the call', async function () {
      async function* requests() {
        yield { value: 1n };
        await new Promise((resolve) => setTimeout(resolve, 50));
        throw new Error('source failed');
      }
      const error = await rejection(client.sum(requests()));
      expect(error.message).to.equal('source failed');
      await whenCancelled(log, '/vmrpc.testing.v1.Streaming/Sum');
    });

    it('cancels through an AbortSignal', async function () {
      const controller = new AbortController();
      const feed = new Feed<{ value: bigint }>();
      feed.push({ value: 1n });
      const call = client.sum(feed, { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      const error = await rpcError(call);
      expect(error.code).to.equal(Status.CANCELLED);
      await whenCancelled(log, '/vmrpc.testing.v1.Streaming/Sum');
    });
  });

  describe('bidi streaming', function () {
    it('answers each request as it comes (interleaved)', async function () {
      const feed = new Feed<{ value: bigint }>();
      const responses = client.chat(feed)[Symbol.asyncIterator]();
      for (let value = 1n; value <= 5n; value++) {
        feed.push({ value });
        const next = await within(5000, `response ${value}`, responses.next());
        expect(next.done).to.equal(false);
        expect(next.value!.value).to.equal(value * 2n);
        expect(next.value!.peer).to.match(targets.peer);
      }
      feed.end();
      expect((await responses.next()).done).to.equal(true);
    });

    it('streams many messages both ways', async function () {
      async function* requests() {
        for (let value = 0n; value < 500n; value++) yield { value };
      }
      const responses = await collect(client.chat(requests()));
      expect(responses).to.have.length(500);
      expect(responses[499]!.value).to.equal(998n);
    });

    it('throws the handler\'s error after the responses before it', async function () {
      const received: bigint[] = [];
      const error = await rpcError(
        (async () => {
          for await (const response of client.chat([{ value: 1n }, { value: 2n }, { failCode: Status.ABORTED, failDetails: 'conflict' }])) received.push(response.value);
        })(),
      );
      expect(received).to.deep.equal([2n, 4n]);
      expect(error.code).to.equal(Status.ABORTED);
    });

    it('maps a crash to INTERNAL', async function () {
      const error = await rpcError(collect(client.chat([{ crashMessage: 'boom' }])));
      expect(error.code).to.equal(Status.INTERNAL);
      expect(error.details).to.equal('Internal server error');
    });

    it('cancels through an AbortSignal, and the server sees the cancellation', async function () {
      const controller = new AbortController();
      const feed = new Feed<{ value: bigint }>();
      const error = await rpcError(
        (async () => {
          feed.push({ value: 1n });
          for await (const response of client.chat(feed, { signal: controller.signal })) {
            expect(response.value).to.equal(2n);
            controller.abort();
          }
        })(),
      );
      expect(error.code).to.equal(Status.CANCELLED);
      await whenCancelled(log, '/vmrpc.testing.v1.Streaming/Chat');
    });
  });
}
