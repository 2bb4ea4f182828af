/**
 * The types of a service implementation: one handler per method, its shape chosen by the method
 * descriptor. A module of its own so reflection and the agent layer can name them without
 * importing the server.
 */
import type { MethodDescriptor, ServiceDescriptor } from '../descriptor';
import type { BidiStreamingHandler, ClientStreamingHandler, ServerStreamingHandler, UnaryHandler } from './handlers';

/** The handler type of a method descriptor, by its streaming shape. */
export type ServerMethod<M> =
  M extends MethodDescriptor<infer Req, infer Res, infer RequestStream, infer ResponseStream>
    ? [RequestStream, ResponseStream] extends [false, false]
      ? UnaryHandler<Req, Res>
      : [RequestStream, ResponseStream] extends [false, true]
        ? ServerStreamingHandler<Req, Res>
        : [RequestStream, ResponseStream] extends [true, false]
          ? ClientStreamingHandler<Req, Res>
          : BidiStreamingHandler<Req, Res>
    : never;

/** The implementation of service S: one async function or async generator per RPC. */
export type ServiceImplementation<S extends ServiceDescriptor> = { readonly [K in keyof S]: ServerMethod<S[K]> };
