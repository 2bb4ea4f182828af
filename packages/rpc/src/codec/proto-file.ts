/**
 * defineFile(): the runtime side of one generated file. The generator embeds the protobufjs
 * JSON descriptor of the file's types and of everything they reference, so each generated file
 * stands alone; the reflection types are built on first use.
 */
import { Root, Type, type AnyNestedObject } from 'protobufjs';
import type { MethodDescriptor } from '../descriptor';
import { methodDescriptor } from '../descriptor';
import { messageTypeOf, type MessageType } from './message-type';

/** What defineFile() returns: the message types and method descriptors of one generated file. */
export interface ProtoFile {
  /** The codec of message `typeName` (full name, no leading dot). */
  message<T>(typeName: string): MessageType<T>;
  /** The descriptor of a unary method. */
  unary<Req, Res>(service: string, method: string, request: MessageType<Req>, response: MessageType<Res>): MethodDescriptor<Req, Res, false, false>;
  /** The descriptor of a server-streaming method. */
  serverStreaming<Req, Res>(service: string, method: string, request: MessageType<Req>, response: MessageType<Res>): MethodDescriptor<Req, Res, false, true>;
  /** The descriptor of a client-streaming method. */
  clientStreaming<Req, Res>(service: string, method: string, request: MessageType<Req>, response: MessageType<Res>): MethodDescriptor<Req, Res, true, false>;
  /** The descriptor of a bidi-streaming method. */
  bidiStreaming<Req, Res>(service: string, method: string, request: MessageType<Req>, response: MessageType<Res>): MethodDescriptor<Req, Res, true, true>;
}

/** A protobufjs JSON descriptor (Root#toJSON shape), as generated files embed it. */
export interface ProtoDescriptor {
  nested?: { readonly [name: string]: object };
}

/** The runtime side of a generated file, from the descriptor it embeds (called by generated code). */
export function defineFile(descriptor: ProtoDescriptor): ProtoFile {
  let root: Root | undefined;
  const lookup = (typeName: string): Type => {
    if (root === undefined) {
      root = new Root();
      // Generated from protobufjs's own toJSON(), so it has the shape addJSON() expects.
      if (descriptor.nested !== undefined) root.addJSON(descriptor.nested as { [name: string]: AnyNestedObject });
      root.resolveAll();
    }
    return root.lookupType(typeName);
  };
  return {
    message: (typeName) => messageTypeOf(typeName, () => lookup(typeName)),
    unary: (service, method, request, response) => methodDescriptor(service, method, false, false, request, response),
    serverStreaming: (service, method, request, response) => methodDescriptor(service, method, false, true, request, response),
    clientStreaming: (service, method, request, response) => methodDescriptor(service, method, true, false, request, response),
    bidiStreaming: (service, method, request, response) => methodDescriptor(service, method, true, true, request, response),
  };
}
