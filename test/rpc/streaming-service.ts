/** The Streaming test service (protos/vmrpc/testing/v1/streaming.proto) and a log of what it saw. */
import { EventEmitter } from 'node:events';
import { Metadata, RpcError, Status, type CallContext } from '@vmrpc/rpc';
import { within } from '../support/checks.js';
import type { StreamingServiceImplementation } from './generated/vmrpc/testing/v1/streaming.js';

export interface ServerLog {
  /** Keys (Action.key, or the method path) of calls the server saw cancelled. */
  cancelled: string[];
  /** Emits 'cancelled' with the key as each one is added to `cancelled`, 'started' as each is added to `deadlines`. */
  events: EventEmitter;
  /** Deadlines the server saw, by Action.key: set as the Act handler starts. */
  deadlines: Map<string, Date | undefined>;
  /** Errors handed to the server's onError. */
  errors: unknown[];
}

export function newLog(): ServerLog {
  return { cancelled: [], events: new EventEmitter(), deadlines: new Map(), errors: [] };
}

/** How long the log's waits give the server by default. */
const LOG_WAIT_MS = 10_000;

/** Resolves once the server saw the call `key` cancelled (at once if it already did); rejects naming it after `ms`. */
export function whenCancelled(log: ServerLog, key: string, ms = LOG_WAIT_MS): Promise<void> {
  return whenLogged(log, 'cancelled', key, log.cancelled.includes(key), ms);
}

/** Resolves once the Act handler of the call `key` started (at once if it did); rejects naming it after `ms`. */
export function whenStarted(log: ServerLog, key: string, ms = LOG_WAIT_MS): Promise<void> {
  return whenLogged(log, 'started', key, log.deadlines.has(key), ms);
}

async function whenLogged(log: ServerLog, event: 'cancelled' | 'started', key: string, already: boolean, ms: number): Promise<void> {
  if (already) return;
  let check!: (logged: string) => void;
  const logged = new Promise<void>((resolve) => {
    check = (seen) => {
      if (seen === key) resolve();
    };
    log.events.on(event, check);
  });
  try {
    await within(ms, `the server to log the call ${JSON.stringify(key)} ${event}`, logged);
  } finally {
    log.events.off(event, check);
  }
}

/** Waits `ms`, or until `signal` aborts; either way its abort listener is gone after. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted === true) return Promise.resolve();
  return new Promise((resolve) => {
    const stop = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setTimeout(stop, ms);
    signal?.addEventListener('abort', stop, { once: true });
  });
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

function watch(log: ServerLog, context: CallContext, key: string): void {
  context.signal.addEventListener(
    'abort',
    () => {
      log.cancelled.push(key);
      log.events.emit('cancelled', key);
    },
    { once: true },
  );
}

export function streamingImplementation(log: ServerLog): StreamingServiceImplementation {
  return {
    echo: (request) => request,
    async act(request, context) {
      const key = request.key || context.method;
      watch(log, context, key);
      log.deadlines.set(key, context.deadline);
      log.events.emit('started', key);
      context.header.set('x-header', 'from-handler');
      context.trailer.set('x-trailer', 'done');
      if (request.delayMs > 0) await sleep(request.delayMs, context.signal);
      if (request.hang) {
        await aborted(context.signal);
        throw context.signal.reason;
      }
      if (request.failCode !== 0) {
        const metadata = new Metadata();
        metadata.set('x-error-detail', 'why');
        metadata.set('x-error-bin', Buffer.from([1, 2, 3]));
        throw new RpcError(request.failCode, request.failDetails, metadata);
      }
      if (request.crashMessage !== '') throw new Error(request.crashMessage);
      return { value: request.value, echoed: context.metadata.get('x-echo').map(String), peer: context.peer };
    },
    async *count(request, context) {
      watch(log, context, context.method);
      context.header.set('x-count', String(request.count));
      for (let index = 0; index < request.count; index++) {
        if (request.failAfter > 0 && index === request.failAfter) throw new RpcError(Status.RESOURCE_EXHAUSTED, `stopped after ${index}`);
        if (request.delayMs > 0) await sleep(request.delayMs, context.signal);
        if (context.signal.aborted) return;
        yield { index, value: BigInt(index) * 2n ** 40n };
      }
      context.trailer.set('x-sent', String(request.count));
    },
    async sum(requests, context) {
      watch(log, context, context.method);
      let total = 0n;
      let index = 0;
      for await (const request of requests) {
        if (request.failCode !== 0) throw new RpcError(request.failCode, request.failDetails);
        total += request.value;
        index++;
      }
      return { value: total, index };
    },
    async *chat(requests, context) {
      watch(log, context, context.method);
      let index = 0;
      for await (const request of requests) {
        if (request.failCode !== 0) throw new RpcError(request.failCode, request.failDetails);
        if (request.crashMessage !== '') throw new Error(request.crashMessage);
        yield { value: request.value * 2n, index: index++, peer: context.peer };
      }
    },
    ping: () => ({}),
  };
}

/** An async iterable fed by hand, for interleaved streaming. */
export class Feed<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiting: ((result: IteratorResult<T>) => void) | undefined;
  private ended = false;

  push(item: T): void {
    if (this.waiting !== undefined) {
      const waiting = this.waiting;
      this.waiting = undefined;
      waiting({ value: item, done: false });
    } else this.items.push(item);
  }

  end(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.items.length > 0) return Promise.resolve({ value: this.items.shift()!, done: false });
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve) => (this.waiting = resolve));
      },
    };
  }
}
