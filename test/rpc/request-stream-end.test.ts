// How a streaming handler learns that its request stream ended, or that the call was cancelled:
// from events, never from a wait. The end reaches the handler in the same turn grpc-js reports
// it; a cancellation from our channel (RST_STREAM alone) makes the request iterable throw
// CANCELLED; a handler that already consumed every request sees a later cancellation through
// context.signal, and its answer is dropped.
import * as grpc from '@grpc/grpc-js';
import { RpcError, Status, closeClient, createClient, createServer, type RpcServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../support/checks.js';
import { StreamingService, type StreamingServiceClient, type StreamingServiceImplementation } from './generated/vmrpc/testing/v1/streaming.js';
import { Feed, streamingImplementation, newLog } from './streaming-service.js';

/** Set by the interceptor when grpc-js hands the half-close on; cleared one macrotask later. */
let halfCloseTurn = false;

const halfCloseProbe: grpc.ServerInterceptor = (_method, call) =>
  new grpc.ServerInterceptingCall(call, {
    start(next) {
      next({
        onReceiveHalfClose(nextHalfClose) {
          halfCloseTurn = true;
          setImmediate(() => (halfCloseTurn = false));
          nextHalfClose();
        },
      });
    },
  });

describe('the end of a request stream in a handler', function () {
  let server: RpcServer;
  let client: StreamingServiceClient;
  /** Per call: whether the handler's loop ended in the turn of the half-close, or how it failed. */
  const seen: Array<{ endedInTurn?: boolean; error?: unknown; aborted?: boolean }> = [];
  let firstRequest: () => void = () => undefined;

  const implementation: StreamingServiceImplementation = {
    ...streamingImplementation(newLog()),
    async sum(requests, context) {
      const entry: (typeof seen)[number] = {};
      seen.push(entry);
      let total = 0n;
      try {
        for await (const request of requests) {
          total += request.value;
          firstRequest();
        }
        entry.endedInTurn = halfCloseTurn;
      } catch (error) {
        entry.error = error;
        throw error;
      } finally {
        entry.aborted = context.signal.aborted;
      }
      return { value: total, index: 0 };
    },
    async *chat(requests) {
      const entry: (typeof seen)[number] = {};
      seen.push(entry);
      for await (const request of requests) yield { value: request.value, index: 0, peer: '' };
      entry.endedInTurn = halfCloseTurn;
    },
  };

  before(async function () {
    const target = `unix:${socketPath('stream-end')}`;
    server = createServer({ grpc: { interceptors: [halfCloseProbe] } }).add(StreamingService, implementation);
    await server.listen(target);
    client = createClient(StreamingService, target);
  });

  after(async function () {
    closeClient(client);
    await server.close(500);
  });

  beforeEach(() => (seen.length = 0));

  it('client streaming: the handler sees the end in the turn grpc-js reports it (no timer)', async function () {
    for (let i = 0; i < 5; i++) expect((await within(5000, 'sum', client.sum([{ value: 1n }, { value: 2n }]))).value).to.equal(3n);
    expect(seen.map((entry) => entry.endedInTurn)).to.deep.equal([true, true, true, true, true]);
  });

  it('bidi streaming: the handler sees the end in the turn grpc-js reports it (no timer)', async function () {
    for (let i = 0; i < 5; i++) {
      const responses = [];
      for await (const response of client.chat([{ value: 1n }])) responses.push(response);
      expect(responses).to.have.length(1);
    }
    expect(seen.map((entry) => entry.endedInTurn)).to.deep.equal([true, true, true, true, true]);
  });

  it('a client stream cancelled by our channel: the request iterable throws CANCELLED, never ends normally', async function () {
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const feed = new Feed<{ value: bigint }>();
      const received = new Promise<void>((resolve) => (firstRequest = resolve));
      feed.push({ value: 1n });
      const call = client.sum(feed, { signal: controller.signal });
      await within(5000, 'first request at the handler', received);
      controller.abort();
      expect(((await rejection(call)) as unknown as RpcError).code).to.equal(Status.CANCELLED);
    }
    await within(5000, 'handlers done', (async () => {
      while (seen.length < 5 || seen.some((entry) => entry.aborted === undefined)) await new Promise((resolve) => setImmediate(resolve));
    })());
    for (const entry of seen) {
      expect(entry.endedInTurn, 'the loop ended normally').to.equal(undefined);
      expect((entry.error as RpcError).code).to.equal(Status.CANCELLED);
      expect(entry.aborted).to.equal(true);
    }
  });
});
