/**
 * The handler logic (handlers.ts) on grpc-js's Server: its call objects adapted to the call ports,
 * and one grpc-js handler per method kind. The path of createServer().listen() listeners and of
 * agents whose options the engine cannot honour (engine/engine-options.ts).
 */
import type {
  Metadata,
  ServerDuplexStream,
  ServerReadableStream,
  ServerUnaryCall,
  ServerWritableStream,
  StatusObject,
  UntypedHandleCall,
  sendUnaryData,
} from '@grpc/grpc-js';
import type { Readable, Writable } from 'node:stream';
import type { AnyMethodDescriptor, ServiceDescriptor } from '../descriptor';
import type { ResponseWriter, UnaryResponder } from './call-ports';
import { createContext, type HandlerContext } from './context';
import { answerMany, answerOnce, requestsOf } from './handlers';
import type { MethodEntry } from './method-table';
import type { ServerErrorListener } from './status';

/** A grpc-js unary or client-streaming call with its callback. */
class GrpcResponder implements UnaryResponder<unknown> {
  constructor(
    private readonly call: { readonly cancelled: boolean },
    private readonly callback: sendUnaryData<unknown>,
  ) {}

  get cancelled(): boolean {
    return this.call.cancelled;
  }

  sendResponse(response: unknown, trailer: Metadata | undefined): void {
    this.callback(null, response, trailer);
  }

  sendStatus(status: StatusObject): void {
    this.callback(status);
  }
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

/** A grpc-js server-streaming or bidi call. */
class GrpcWriter implements ResponseWriter<unknown> {
  constructor(private readonly call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) {}

  get cancelled(): boolean {
    return this.call.cancelled;
  }

  write(response: unknown): boolean {
    return this.call.write(response);
  }

  drained(): Promise<void> {
    return drained(this.call);
  }

  end(trailer: Metadata | undefined): void {
    this.call.end(trailer);
  }

  sendStatus(status: StatusObject): void {
    this.call.emit('error', status);
  }
}

/** The requests of a grpc-js streaming call. Not destroyed at the end: in a bidi call the same stream still has responses to send. */
function requestsOfCall(call: Readable, context: HandlerContext): AsyncIterable<unknown> {
  return requestsOf(call.iterator({ destroyOnReturn: false }), context);
}

/** The grpc-js handler of one method of the table. */
export function grpcHandler(entry: MethodEntry): UntypedHandleCall {
  const onError = entry.onError;
  switch (entry.kind) {
    case 'unary':
      return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
        void answerOnce(entry.implementation, call.request, new GrpcResponder(call, callback), createContext(call), onError);
      };
    case 'clientStreaming':
      return (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>): void => {
        const context = createContext(call);
        void answerOnce(entry.implementation, requestsOfCall(call, context), new GrpcResponder(call, callback), context, onError);
      };
    case 'serverStreaming':
      return (call: ServerWritableStream<unknown, unknown>): void => {
        void answerMany(entry.implementation, call.request, new GrpcWriter(call), createContext(call), onError);
      };
    case 'bidiStreaming':
      return (call: ServerDuplexStream<unknown, unknown>): void => {
        const context = createContext(call);
        void answerMany(entry.implementation, requestsOfCall(call, context), new GrpcWriter(call), context, onError);
      };
  }
}

/**
 * `service` as grpc-js's Server gets it: with `onError`, each response serializer tells it of a
 * response that does not serialize (grpc-js answers INTERNAL "Error serializing response" and
 * tells no one; the engine server tells onError too). Without onError, the service itself.
 */
export function grpcServiceDefinition(service: ServiceDescriptor, onError: ServerErrorListener | undefined): ServiceDescriptor {
  if (onError === undefined) return service;
  const reporting: Record<string, AnyMethodDescriptor> = {};
  for (const [name, method] of Object.entries(service)) {
    const serialize = method.responseSerialize;
    const responseSerialize = (value: unknown): Buffer => {
      try {
        return serialize(value);
      } catch (error) {
        onError(error, method.path);
        throw error;
      }
    };
    reporting[name] = { ...method, responseSerialize };
  }
  return reporting;
}
