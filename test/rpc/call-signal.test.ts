/**
 * A call context's `signal` is made only when the handler reads it: a handler that never does
 * costs no AbortController, and one that reads it before or after the cancellation sees the same
 * thing (aborted, with an RpcError CANCELLED or DEADLINE_EXCEEDED as its reason).
 */
import { RpcError, Status, closeClient, createClient, createServer, type CallContext, type RpcServer } from '@vmrpc/rpc';
import { frameMessage } from '@vmrpc/transport';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../support/checks.js';
import { StreamingService, type StreamingServiceClient, type StreamingServiceImplementation } from './generated/vmrpc/testing/v1/streaming.js';
import { rawCall } from './engine/raw-http2.js';
import { newLog, streamingImplementation } from './streaming-service.js';

interface Seen {
  aborted: boolean;
  reason: unknown;
}

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Counts AbortControllers made in this process while `run` runs. */
async function countControllers(run: () => Promise<unknown>): Promise<number> {
  const Original = globalThis.AbortController;
  let made = 0;
  globalThis.AbortController = class extends Original {
    constructor() {
      super();
      made++;
    }
  };
  try {
    await run();
  } finally {
    globalThis.AbortController = Original;
  }
  return made;
}

describe('rpc call context signal (made on first read)', function () {
  let server: RpcServer;
  let client: StreamingServiceClient;
  let seen: ReturnType<typeof deferred<Seen>>;
  let started: ReturnType<typeof deferred<void>>;
  let socketFile: string;

  const snapshot = (context: CallContext): Seen => ({ aborted: context.signal.aborted, reason: context.signal.reason });

  beforeEach(async function () {
    seen = deferred<Seen>();
    started = deferred<void>();
    const implementation: StreamingServiceImplementation = {
      ...streamingImplementation(newLog()),
      // Never reads the signal while running; reads it only once the call is over.
      async *count(_request, context) {
        try {
          for (let index = 0; ; index++) {
            yield { index, value: 0n };
            await new Promise((resolve) => setImmediate(resolve));
          }
        } finally {
          seen.resolve(snapshot(context));
        }
      },
      // Reads the signal first, then waits for the cancellation on it.
      async act(_request, context) {
        const signal = context.signal;
        started.resolve();
        await new Promise((resolve) => signal.addEventListener('abort', resolve, { once: true }));
        seen.resolve(snapshot(context));
        throw signal.reason;
      },
    };
    socketFile = socketPath('call-signal');
    const target = `unix:${socketFile}`;
    server = createServer().add(StreamingService, implementation);
    await server.listen(target);
    client = createClient(StreamingService, target);
    await within(5000, 'first call', client.ping({}));
  });

  afterEach(async function () {
    closeClient(client);
    await server.close(1000);
  });

  it('makes no AbortController for a call whose handler does not read the signal', async function () {
    const made = await countControllers(() => within(5000, 'ping', client.ping({})));
    expect(made).to.equal(0);
  });

  it('read after a cancellation: the signal is born aborted, reason RpcError CANCELLED', async function () {
    const controller = new AbortController();
    const error = await rejection(
      within(5000, 'count', (async () => {
        for await (const response of client.count({ count: 0 }, { signal: controller.signal })) {
          if (response.index === 3) controller.abort();
        }
      })()),
    );
    expect((error as unknown as RpcError).code).to.equal(Status.CANCELLED);
    const result = await within(5000, 'the handler to end', seen.promise);
    expect(result.aborted).to.equal(true);
    expect(result.reason).to.be.instanceOf(RpcError);
    expect((result.reason as RpcError).code).to.equal(Status.CANCELLED);
  });

  it('read after the deadline passed: the signal is born aborted, reason RpcError DEADLINE_EXCEEDED', async function () {
    // A raw HTTP/2 client that never cancels: the server's own deadline ends the call. (A gRPC
    // client cancels at the same deadline, and whose end arrives first would be a race.)
    const response = await rawCall(socketFile, {
      path: StreamingService.count.path,
      headers: { 'grpc-timeout': '200m' },
      body: [frameMessage(StreamingService.count.requestSerialize({ count: 0 }))],
    });
    expect(response.trailers?.['grpc-status']).to.equal(String(Status.DEADLINE_EXCEEDED));
    const result = await within(5000, 'the handler to end', seen.promise);
    expect(result.aborted).to.equal(true);
    expect((result.reason as RpcError).code).to.equal(Status.DEADLINE_EXCEEDED);
  });

  it('read before a cancellation: the signal aborts when the client cancels, reason RpcError CANCELLED', async function () {
    const controller = new AbortController();
    const call = client.act({ key: 'read-first' }, { signal: controller.signal });
    await within(5000, 'the handler to start', started.promise);
    controller.abort();
    const error = await rejection(within(5000, 'act', call));
    expect((error as unknown as RpcError).code).to.equal(Status.CANCELLED);
    const result = await within(5000, 'the handler to see the abort', seen.promise);
    expect(result.aborted).to.equal(true);
    expect((result.reason as RpcError).code).to.equal(Status.CANCELLED);
  });
});
