/**
 * Service descriptors: one object per service whose values describe its methods. Each value is
 * also a grpc-js MethodDefinition, so a descriptor can go straight to Server#addService or
 * makeGenericClientConstructor; the type parameters carry the message types and streaming shape.
 */
import { frameMessage } from '@vmrpc/transport';
import { framedEncoderOf, type MessageType } from './codec/message-type';
import type { DeepPartial } from './types';

/** One method of a service: its path, streaming shape and message codecs (also a grpc-js MethodDefinition). */
export interface MethodDescriptor<Req, Res, RequestStream extends boolean, ResponseStream extends boolean> {
  /** `/package.Service/Method`, the HTTP/2 path. */
  readonly path: string;
  /** The method's name in the .proto file. */
  readonly originalName: string;
  readonly requestStream: RequestStream;
  readonly responseStream: ResponseStream;
  readonly requestType: MessageType<Req>;
  readonly responseType: MessageType<Res>;
  // Method syntax on purpose: it keeps descriptors assignable to AnyMethodDescriptor.
  /** The wire encoding of a request. */
  requestSerialize(value: DeepPartial<Req>): Buffer;
  /** A request from its wire encoding. */
  requestDeserialize(bytes: Buffer): Req;
  /** The wire encoding of a response. */
  responseSerialize(value: DeepPartial<Res>): Buffer;
  /** A response from its wire encoding. */
  responseDeserialize(bytes: Buffer): Res;
}

/** A method descriptor of any message types and shape. */
export type AnyMethodDescriptor = MethodDescriptor<unknown, unknown, boolean, boolean>;

/** A service: method name (lowerCamelCase) to descriptor. */
export type ServiceDescriptor = { readonly [method: string]: AnyMethodDescriptor };

/** The request type of a method descriptor. */
export type RequestOf<M> = M extends MethodDescriptor<infer Req, unknown, boolean, boolean> ? Req : never;
/** The response type of a method descriptor. */
export type ResponseOf<M> = M extends MethodDescriptor<unknown, infer Res, boolean, boolean> ? Res : never;

/**
 * The descriptor of method `method` of service `service` (full name, `pkg.Service`) from its
 * message types: what generated code builds, and what dynamic clients (`vmrpc call`) build.
 */
export function methodDescriptor<Req, Res, RequestStream extends boolean, ResponseStream extends boolean>(
  service: string,
  method: string,
  requestStream: RequestStream,
  responseStream: ResponseStream,
  requestType: MessageType<Req>,
  responseType: MessageType<Res>,
): MethodDescriptor<Req, Res, RequestStream, ResponseStream> {
  const descriptor: MethodDescriptor<Req, Res, RequestStream, ResponseStream> = {
    path: `/${service}/${method}`,
    originalName: method,
    requestStream,
    responseStream,
    requestType,
    responseType,
    requestSerialize: (value) => requestType.encode(value),
    requestDeserialize: (bytes) => requestType.decode(bytes),
    responseSerialize: (value) => responseType.encode(value),
    responseDeserialize: (bytes) => responseType.decode(bytes),
  };
  madeHere.add(descriptor);
  return descriptor;
}

// Descriptors made by methodDescriptor(): their responseSerialize is their response type's encode.
const madeHere = new WeakSet<object>();

/**
 * A response of `method` as a gRPC message with its prefix space: 5 bytes in front of the
 * encoding, for the caller to fill (writeFrameHeader). Encoded in place when `method` was made by
 * methodDescriptor() from a MessageType of messageTypeOf(); otherwise its own responseSerialize
 * is used, and the message copied behind a prefix.
 */
export function responseFramer(method: AnyMethodDescriptor): (value: unknown) => Buffer {
  const framed = madeHere.has(method) ? framedEncoderOf(method.responseType) : undefined;
  if (framed !== undefined) return framed;
  return (value) => frameMessage(method.responseSerialize(value));
}

/** The method kinds, named as gRPC names them. */
export type MethodKind = 'unary' | 'serverStreaming' | 'clientStreaming' | 'bidiStreaming';

/** The kind of a method, from its streaming flags. */
export function methodKind(method: AnyMethodDescriptor): MethodKind {
  if (method.requestStream) return method.responseStream ? 'bidiStreaming' : 'clientStreaming';
  return method.responseStream ? 'serverStreaming' : 'unary';
}
