// Deadlines of typed calls: one longer than a Node timer holds (2^31 ms, 24.8 days) reaches a
// grpc-js server as the longest timeout it can hold (the client keeps its own, true deadline);
// NaN or an invalid Date is a RangeError, not "no deadline"; a call on a closed client fails
// with an RpcError (CANCELLED), as any call that ends without OK; any other error of the channel's
// createCall stays itself.
import { Channel, credentials } from '@grpc/grpc-js';
import { closeClient, createClient, createServer, RpcError, Status, type RpcServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../support/checks.js';
import { StreamingService } from './generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from './streaming-service.js';

const DAY_MS = 86_400_000;

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return within(10_000, 'the call to fail', promise.then(() => { throw new Error('the call succeeded'); }, (error: unknown) => error));
}

describe('typed client deadlines', function () {
  let server: RpcServer;
  const target = `unix:${socketPath('client-deadline')}`;
  // The deadline each call's handler saw, by request value.
  const seen = new Map<bigint, Date | undefined>();

  before(async function () {
    server = createServer();
    const implementation = streamingImplementation(newLog());
    server.add(StreamingService, {
      ...implementation,
      act: (request, context) => {
        seen.set(request.value, context.deadline);
        return implementation.act(request, context);
      },
    });
    await server.listen(target);
  });

  after(async () => {
    await server?.close(0);
  });

  for (const http2 of ['vmrpc', 'node'] as const) {
    it(`a timeoutMs of 2^31 ms and more succeeds against a grpc-js server (${http2} engine), which sees at most 2^31-1 ms`, async function () {
      const client = createClient(StreamingService, target, { http2 });
      try {
        for (const [value, timeoutMs] of [[1n, 2 ** 31], [2n, 3e9], [3n, 1e10], [4n, 100 * DAY_MS]] as const) {
          const started = Date.now();
          const response = await within(10_000, `a call with timeoutMs ${timeoutMs}`, client.act({ value, delayMs: 5 }, { timeoutMs }));
          expect(response.value, `timeoutMs ${timeoutMs}`).to.equal(value);
          const remaining = seen.get(value)!.getTime() - started;
          // The server's deadline: what one timer holds (within the header's rounding to seconds).
          expect(remaining, `timeoutMs ${timeoutMs}`).to.be.within(2 ** 31 - 1 - 10_000, 2 ** 31 - 1);
        }
        // Below the cap the deadline goes as it is.
        await client.act({ value: 5n }, { timeoutMs: 10 * DAY_MS });
        expect(Math.abs(seen.get(5n)!.getTime() - Date.now() - 10 * DAY_MS)).to.be.below(10_000);
      } finally {
        closeClient(client);
      }
    });
  }

  it('refuses timeoutMs NaN and an invalid Date deadline with a RangeError (they meant no deadline)', async function () {
    const client = createClient(StreamingService, target);
    try {
      for (const [options, message] of [
        [{ timeoutMs: NaN }, 'timeoutMs must be a number of milliseconds (got NaN); leave it out for no deadline'],
        [{ deadline: new Date(NaN) }, 'deadline must be a valid Date or a number of ms since the epoch (got an invalid Date); leave it out for no deadline'],
        [{ deadline: NaN }, 'deadline must be a valid Date or a number of ms since the epoch (got NaN); leave it out for no deadline'],
      ] as const) {
        const error = await rejection(client.act({ value: 1n }, options));
        expect(error).to.be.instanceOf(RangeError);
        expect(error).to.include({ message, code: 'ERR_OUT_OF_RANGE' });
        const streamed = await rejection((async () => {
          for await (const _ of client.count({ count: 1 }, options)) void _;
        })());
        expect(streamed).to.be.instanceOf(RangeError);
        expect(streamed).to.include({ message });
      }
    } finally {
      closeClient(client);
    }
  });

  it('a call on a closed client fails with RpcError CANCELLED', async function () {
    const client = createClient(StreamingService, target);
    closeClient(client);
    const unary = await rejection(client.act({ value: 1n }));
    expect(unary).to.be.instanceOf(RpcError);
    expect(unary).to.include({ code: Status.CANCELLED, details: 'Channel has been shut down (the client or its channel was closed)' });
    const streamed = await rejection((async () => {
      for await (const _ of client.count({ count: 1 })) void _;
    })());
    expect(streamed).to.be.instanceOf(RpcError);
    expect(streamed).to.include({ code: Status.CANCELLED });
  });

  it("another error of the channel's createCall stays itself (grpc-js's TypeError for a method path that is not a string)", async function () {
    const channel = new Channel(target, credentials.createInsecure(), {});
    try {
      const client = createClient({ act: { ...StreamingService.act, path: 42 as unknown as string } }, channel);
      const error = await rejection(Promise.resolve().then(() => client.act({ value: 1n })));
      expect(error).to.be.instanceOf(TypeError);
      expect(error).to.not.be.instanceOf(RpcError);
      expect((error as Error).message).to.equal('Channel#createCall: method must be a string');
    } finally {
      channel.close();
    }
  });
});
