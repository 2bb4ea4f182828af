/**
 * grpc-js handlers around typed implementations, one per method kind: unary and client
 * streaming answer through the callback, server and bidi streaming write what the
 * implementation yields, with backpressure.
 */
import { status, type Metadata, type ServerDuplexStream, type ServerReadableStream, type ServerUnaryCall, type ServerWritableStream, type sendUnaryData } from '@grpc/grpc-js';
import type { Readable, Writable } from 'node:stream';
import { RpcError } from '../errors';
import type { DeepPartial } from '../types';
import { createContext, type CallContext, type HandlerContext } from './context';
import { errorToStatus, type ServerErrorListener } from './status';

/** A unary handler: the request in, the response (or a promise of it) out. */
export type UnaryHandler<Req, Res> = (request: Req, context: CallContext) => Promise<DeepPartial<Res>> | DeepPartial<Res>;
/** A server-streaming handler: the request in, an (async) generator of responses out. */
export type ServerStreamingHandler<Req, Res> = (request: Req, context: CallContext) => AsyncIterable<DeepPartial<Res>> | Iterable<DeepPartial<Res>>;
/** A client-streaming handler: the requests as an async iterable in, the response out. */
export type ClientStreamingHandler<Req, Res> = (requests: AsyncIterable<Req>, context: CallContext) => Promise<DeepPartial<Res>> | DeepPartial<Res>;
/** A bidi-streaming handler: the requests as an async iterable in, an (async) generator of responses out. */
export type BidiStreamingHandler<Req, Res> = (requests: AsyncIterable<Req>, context: CallContext) => AsyncIterable<DeepPartial<Res>> | Iterable<DeepPartial<Res>>;

/** The requests of a streaming call; a cancelled call ends the loop with RpcError CANCELLED. */
async function* requestsOf<Req>(call: Readable, context: HandlerContext): AsyncGenerator<Req, void, undefined> {
  try {
    // Not destroyed at the end: in a bidi call the same stream still has responses to send.
    for await (const request of call.iterator({ destroyOnReturn: false })) yield request as Req;
  } catch (error) {
    if (context.signal.aborted) throw context.signal.reason;
    throw error;
  }
  // Node's HTTP/2 client cancels a stream by ending it and then resetting it, so grpc-js reports
  // a cancelled request stream first as complete and then, about a millisecond later, as
  // cancelled. Wait that out (best effort) so a cancelled stream does not look complete.
  if (!context.signal.aborted) await settle(context.signal, CANCEL_SETTLE_MS);
  if (context.signal.aborted) throw context.signal.reason;
}

/** How long the end of a request stream waits for a cancellation that may follow it. */
export const CANCEL_SETTLE_MS = 10;

function settle(signal: AbortSignal, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

function drained(call: Writable, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.removeListener('drain', done);
      signal.removeEventListener('abort', done);
      resolve();
    };
    call.once('drain', done);
    signal.addEventListener('abort', done, { once: true });
  });
}

function answerUnary<Res>(
  call: { cancelled: boolean },
  callback: sendUnaryData<DeepPartial<Res>>,
  context: HandlerContext,
  run: () => Promise<DeepPartial<Res>> | DeepPartial<Res>,
  onError: ServerErrorListener | undefined,
): void {
  new Promise<DeepPartial<Res>>((resolve) => resolve(run()))
    .then(
      (response) => {
        context.flushHeader();
        callback(null, response, context.trailer);
      },
      (error: unknown) => {
        if (call.cancelled) return;
        context.flushHeader();
        callback(errorToStatus(error, context.trailer, context.method, onError));
      },
    )
    .finally(() => context.dispose());
}

async function writeResponses<Res>(
  call: ServerWritableStream<unknown, DeepPartial<Res>> | ServerDuplexStream<unknown, DeepPartial<Res>>,
  context: HandlerContext,
  responses: () => AsyncIterable<DeepPartial<Res>> | Iterable<DeepPartial<Res>>,
  onError: ServerErrorListener | undefined,
): Promise<void> {
  try {
    for await (const response of responses()) {
      // Leaving the loop returns the implementation's generator, so its finally blocks run.
      if (call.cancelled) break;
      context.flushHeader();
      if (!call.write(response)) await drained(call, context.signal);
    }
    if (call.cancelled) return;
    context.flushHeader();
    call.end(context.trailer as Metadata);
  } catch (error) {
    if (call.cancelled) return;
    context.flushHeader();
    call.emit('error', errorToStatus(error, context.trailer, context.method, onError));
  } finally {
    context.dispose();
  }
}

export function unaryHandler<Req, Res>(implementation: UnaryHandler<Req, Res>, onError: ServerErrorListener | undefined) {
  return (call: ServerUnaryCall<Req, DeepPartial<Res>>, callback: sendUnaryData<DeepPartial<Res>>): void => {
    const context = createContext(call);
    answerUnary(call, callback, context, () => implementation(call.request, context), onError);
  };
}

export function clientStreamingHandler<Req, Res>(implementation: ClientStreamingHandler<Req, Res>, onError: ServerErrorListener | undefined) {
  return (call: ServerReadableStream<Req, DeepPartial<Res>>, callback: sendUnaryData<DeepPartial<Res>>): void => {
    const context = createContext(call);
    answerUnary(call, callback, context, () => implementation(requestsOf<Req>(call, context), context), onError);
  };
}

export function serverStreamingHandler<Req, Res>(implementation: ServerStreamingHandler<Req, Res>, onError: ServerErrorListener | undefined) {
  return (call: ServerWritableStream<Req, DeepPartial<Res>>): void => {
    const context = createContext(call);
    void writeResponses(call, context, () => implementation(call.request, context), onError);
  };
}

export function bidiStreamingHandler<Req, Res>(implementation: BidiStreamingHandler<Req, Res>, onError: ServerErrorListener | undefined) {
  return (call: ServerDuplexStream<Req, DeepPartial<Res>>): void => {
    const context = createContext(call);
    void writeResponses(call, context, () => implementation(requestsOf<Req>(call, context), context), onError);
  };
}

/** The error a handler gets when asked for a method kind it does not implement. */
export function unimplemented(method: string): RpcError {
  return new RpcError(status.UNIMPLEMENTED, `${method} is not implemented`);
}
