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

/**
 * The requests of a streaming call, ending when grpc-js reports the end of the request stream.
 * A call cancelled before that (RST_STREAM) ends the loop with RpcError CANCELLED. A cancellation
 * after the end (a client that half-closed, then cancelled; or a client such as the stock grpc-js
 * one that sends END_STREAM just before RST_STREAM when it cancels) reaches the handler through
 * `context.signal`, and its answer is dropped: no wait can tell those apart, and none is made.
 */
async function* requestsOf<Req>(call: Readable, context: HandlerContext): AsyncGenerator<Req, void, undefined> {
  try {
    // Not destroyed at the end: in a bidi call the same stream still has responses to send.
    for await (const request of call.iterator({ destroyOnReturn: false })) yield request as Req;
  } catch (error) {
    if (context.cancelReason !== undefined) throw context.cancelReason;
    throw error;
  }
  if (context.cancelReason !== undefined) throw context.cancelReason;
}

/** Resolves on 'drain', or when the call is cancelled (no signal made for it: see context.ts). */
function drained(call: Writable): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      call.removeListener('drain', done);
      call.removeListener('cancelled', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
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
      if (!call.write(response)) await drained(call);
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
