// The request stream of a client-streaming or bidi call: when the call ends while the caller's
// iterable is waiting for its next request (a source that never ends), the iterable is
// return()ed, so its cleanup runs (listeners removed, finally blocks).
import { closeClient, createClient, createServer, RpcError, Status, type DeepPartial, type RpcServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { EventEmitter, on } from 'node:events';
import { socketPath, within } from '../support/checks.js';
import { StreamingService, type Action, type StreamingServiceClient } from './generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from './streaming-service.js';

/** An iterator that gives `first`, then waits for ever; `returned` resolves when return() is called. */
function neverEnding(first: DeepPartial<Action>): { requests: AsyncIterable<DeepPartial<Action>>; returned: Promise<void> } {
  let markReturned!: () => void;
  const returned = new Promise<void>((resolve) => (markReturned = resolve));
  let given = false;
  const iterator: AsyncIterator<DeepPartial<Action>> = {
    next: () => {
      if (given) return new Promise(() => undefined);
      given = true;
      return Promise.resolve({ value: first, done: false });
    },
    return: () => {
      markReturned();
      return Promise.resolve({ value: undefined, done: true });
    },
  };
  return { requests: { [Symbol.asyncIterator]: () => iterator }, returned };
}

describe('typed client request streams', function () {
  let server: RpcServer;
  const target = `unix:${socketPath('client-request-pump')}`;
  let client: StreamingServiceClient;

  before(async function () {
    server = createServer();
    server.add(StreamingService, streamingImplementation(newLog()));
    await server.listen(target);
    client = createClient(StreamingService, target);
  });

  after(async () => {
    if (client !== undefined) closeClient(client);
    await server?.close(0);
  });

  it('a client-streaming call the server ends return()s the request iterator waiting in next()', async function () {
    const { requests, returned } = neverEnding({ value: 1n, failCode: Status.FAILED_PRECONDITION, failDetails: 'enough' });
    const error = await within(10_000, 'the call to fail', client.sum(requests).then(() => undefined, (caught: unknown) => caught));
    expect(error).to.be.instanceOf(RpcError);
    expect(error).to.include({ code: Status.FAILED_PRECONDITION, details: 'enough' });
    await within(5_000, 'return() of the request iterator', returned);
  });

  it('a bidi call the server ends return()s an events.on() request source (its listener is removed)', async function () {
    const emitter = new EventEmitter();
    const events = on(emitter, 'request');
    // events.on() gives each event's arguments as an array: the request is the first.
    const requests: AsyncIterable<DeepPartial<Action>> = {
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<DeepPartial<Action>>> => {
          const event = await events.next();
          return event.done === true ? { value: undefined, done: true } : { value: (event.value as [DeepPartial<Action>])[0], done: false };
        },
        return: async (): Promise<IteratorResult<DeepPartial<Action>>> => {
          await events.return!();
          return { value: undefined, done: true };
        },
      }),
    };
    const iterator = client.chat(requests)[Symbol.asyncIterator]();
    const pending = iterator.next();
    expect(emitter.listenerCount('request')).to.equal(1);
    emitter.emit('request', { value: 1n, failCode: Status.ABORTED, failDetails: 'stop' });
    const error = await within(10_000, 'the call to fail', pending.then(() => undefined, (caught: unknown) => caught));
    expect(error).to.include({ code: Status.ABORTED, details: 'stop' });
    expect(emitter.listenerCount('request')).to.equal(0);
  });
});
