/**
 * Typed implementations run on a server's calls, one function per method kind: unary and client
 * streaming answer with one response, server and bidi streaming write what the implementation
 * yields, with backpressure. The logic is written once against small interfaces
 * (call-ports.ts) that both servers implement: grpc-js's (grpc-calls.ts adapts its call
 * objects) and the rpc server's own on the HTTP/2 engine (engine/).
 */
import { status } from '@grpc/grpc-js';
import { RpcError } from '../errors';
import type { DeepPartial } from '../types';
import type { CallContext, HandlerContext } from './context';
import type { ResponseWriter, UnaryResponder } from './call-ports';
import { errorToStatus, type ServerErrorListener } from './status';

/** A unary handler: the request in, the response (or a promise of it) out. */
export type UnaryHandler<Req, Res> = (request: Req, context: CallContext) => Promise<DeepPartial<Res>> | DeepPartial<Res>;
/** A server-streaming handler: the request in, an (async) generator of responses out. */
export type ServerStreamingHandler<Req, Res> = (request: Req, context: CallContext) => AsyncIterable<DeepPartial<Res>> | Iterable<DeepPartial<Res>>;
/** A client-streaming handler: the requests as an async iterable in, the response out. */
export type ClientStreamingHandler<Req, Res> = (requests: AsyncIterable<Req>, context: CallContext) => Promise<DeepPartial<Res>> | DeepPartial<Res>;
/** A bidi-streaming handler: the requests as an async iterable in, an (async) generator of responses out. */
export type BidiStreamingHandler<Req, Res> = (requests: AsyncIterable<Req>, context: CallContext) => AsyncIterable<DeepPartial<Res>> | Iterable<DeepPartial<Res>>;

/** What a unary or client-streaming implementation is, to the code that runs it. */
type AnswerOnce<In, Res> = (input: In, context: CallContext) => Promise<DeepPartial<Res>> | DeepPartial<Res>;
/** What a server-streaming or bidi implementation is, to the code that runs it. */
type AnswerMany<In, Res> = (input: In, context: CallContext) => AsyncIterable<DeepPartial<Res>> | Iterable<DeepPartial<Res>>;

/**
 * The requests of a streaming call, ending when the server reports the end of the request stream.
 * A call cancelled before that (RST_STREAM) ends the loop with RpcError CANCELLED. A cancellation
 * after the end (a client that half-closed, then cancelled; or a client such as the stock grpc-js
 * one that sends END_STREAM just before RST_STREAM when it cancels) reaches the handler through
 * `context.signal`, and its answer is dropped: no wait can tell those apart, and none is made.
 */
export async function* requestsOf<Req>(source: AsyncIterable<Req>, context: HandlerContext): AsyncGenerator<Req, void, undefined> {
  try {
    for await (const request of source) yield request;
  } catch (error) {
    if (context.cancelReason !== undefined) throw context.cancelReason;
    throw error;
  }
  if (context.cancelReason !== undefined) throw context.cancelReason;
}

/**
 * Runs a unary or client-streaming implementation and answers with its response or its error.
 * An async function, not a chain of then() callbacks: no closures per call.
 */
export async function answerOnce<In, Res>(
  implementation: AnswerOnce<In, Res>,
  input: In,
  responder: UnaryResponder<DeepPartial<Res>>,
  context: HandlerContext,
  onError: ServerErrorListener | undefined,
): Promise<void> {
  let response: DeepPartial<Res>;
  try {
    response = await implementation(input, context);
  } catch (error) {
    if (!responder.cancelled) {
      context.flushHeader();
      responder.sendStatus(errorToStatus(error, context.trailer, context.method, onError));
    }
    context.dispose();
    return;
  }
  context.flushHeader();
  responder.sendResponse(response, context.trailerToSend);
  context.dispose();
}

/** Runs a server-streaming or bidi implementation: writes what it yields, waiting while the peer reads slower. */
export async function answerMany<In, Res>(
  implementation: AnswerMany<In, Res>,
  input: In,
  writer: ResponseWriter<DeepPartial<Res>>,
  context: HandlerContext,
  onError: ServerErrorListener | undefined,
): Promise<void> {
  try {
    for await (const response of implementation(input, context)) {
      // Leaving the loop returns the implementation's generator, so its finally blocks run.
      if (writer.cancelled) break;
      // Refused here, so both servers answer alike (grpc-js's stream refuses null, the engine would send {}).
      if (response === null || response === undefined) throw notAMessage(context.method, response);
      context.flushHeader();
      if (!writer.write(response)) await writer.drained();
    }
    if (writer.cancelled) return;
    context.flushHeader();
    writer.end(context.trailerToSend);
  } catch (error) {
    if (writer.cancelled) return;
    context.flushHeader();
    writer.sendStatus(errorToStatus(error, context.trailer, context.method, onError));
  } finally {
    context.dispose();
  }
}

/** A streaming handler yielded null or undefined: a fault of the handler (INTERNAL, told to onError). */
function notAMessage(method: string, value: unknown): TypeError {
  return new TypeError(`the handler of ${method} yielded ${String(value)}, not a message; yield {} for a message of defaults`);
}

/** The error a handler gets when asked for a method kind it does not implement. */
export function unimplemented(method: string): RpcError {
  return new RpcError(status.UNIMPLEMENTED, `${method} is not implemented`);
}
