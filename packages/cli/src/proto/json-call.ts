/**
 * One call of any shape with JSON messages, through @vmrpc/rpc's typed client: requests arrive
 * already encoded (so bad JSON is reported before anything is sent, with its location), and
 * responses are decoded to JSON as they arrive.
 */
import type { ChannelInterface } from '@grpc/grpc-js';
import { createClient, methodDescriptor, type CallOptions, type MessageType, type MethodDescriptor } from '@vmrpc/rpc';
import type { Type } from 'protobufjs';
import { decodeToJson, type Json, type ToJsonOptions } from './json-codec';
import type { ResolvedMethod } from './methods';

/** Sees each response; `streaming` is true for server-streaming and bidi calls. */
export type ResponseSink = (response: Json, streaming: boolean) => void;

function requestMessages(type: Type): MessageType<Buffer> {
  return {
    typeName: type.fullName.slice(1),
    encode: (bytes) => bytes as Buffer,
    decode: (bytes) => Buffer.from(bytes),
    create: () => Buffer.alloc(0),
  };
}

function responseMessages(type: Type, options: ToJsonOptions): MessageType<Json> {
  return {
    typeName: type.fullName.slice(1),
    encode: () => {
      throw new Error('responses are only decoded here');
    },
    decode: (bytes) => decodeToJson(type, bytes, options),
    create: () => ({}),
  };
}

function descriptor<RequestStream extends boolean, ResponseStream extends boolean>(
  method: ResolvedMethod,
  requestStream: RequestStream,
  responseStream: ResponseStream,
  options: ToJsonOptions,
): MethodDescriptor<Buffer, Json, RequestStream, ResponseStream> {
  const [, service, name] = method.path.split('/');
  return methodDescriptor(service!, name!, requestStream, responseStream, requestMessages(method.requestType), responseMessages(method.responseType, options));
}

/** Runs `method` with encoded `requests` (one for unary and server streaming) and hands each response to `sink`. */
export async function callWithJson(
  channel: ChannelInterface,
  method: ResolvedMethod,
  requests: AsyncIterable<Buffer>,
  callOptions: CallOptions,
  jsonOptions: ToJsonOptions,
  sink: ResponseSink,
): Promise<void> {
  if (method.requestStream) {
    if (method.responseStream) {
      const client = createClient({ call: descriptor(method, true, true, jsonOptions) }, channel);
      for await (const response of client.call(requests, callOptions)) sink(response, true);
    } else {
      const client = createClient({ call: descriptor(method, true, false, jsonOptions) }, channel);
      sink(await client.call(requests, callOptions), false);
    }
    return;
  }
  let request: Buffer | undefined;
  for await (const item of requests) request ??= item;
  if (method.responseStream) {
    const client = createClient({ call: descriptor(method, false, true, jsonOptions) }, channel);
    for await (const response of client.call(request ?? Buffer.alloc(0), callOptions)) sink(response, true);
  } else {
    const client = createClient({ call: descriptor(method, false, false, jsonOptions) }, channel);
    sink(await client.call(request ?? Buffer.alloc(0), callOptions), false);
  }
}
