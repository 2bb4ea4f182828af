/** A message type's codec: what generated code exports next to each message interface. */
import { Writer, type Type } from 'protobufjs';
import type { DeepPartial } from '../types';
import { converterFor, type Converter } from './convert';

/** A message type's codec: what generated code exports next to each message interface. */
export interface MessageType<T> {
  /** The full protobuf name, without a leading dot (`vmrpc.echo.v1.EchoRequest`). */
  readonly typeName: string;
  /** The wire encoding of a (partial) message; absent fields are their defaults. */
  encode(message: DeepPartial<T>): Buffer;
  /** A full message from its wire encoding. Throws a RangeError or Error on malformed input. */
  decode(bytes: Uint8Array): T;
  /** A full message with defaults for whatever `partial` leaves out. */
  create(partial?: DeepPartial<T>): T;
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

// The reflection type behind each MessageType made here, for server reflection.
const reflectionTypes = new WeakMap<object, () => Type>();
// The framed encoder of each MessageType made here (framedEncoderOf).
const framedEncoders = new WeakMap<object, (message: unknown) => Buffer>();

/**
 * The encoder of `messageType` that leaves 5 bytes (FRAME_HEADER_BYTES) free in front of the message, for
 * a gRPC message prefix the caller writes there: a response goes out without a second buffer
 * and a copy. Undefined for a MessageType not made by messageTypeOf().
 */
export function framedEncoderOf(messageType: MessageType<unknown>): ((message: unknown) => Buffer) | undefined {
  return framedEncoders.get(messageType);
}

/** The protobufjs type behind `messageType`, or undefined if it was not made by messageTypeOf(). */
export function reflectionTypeOf(messageType: MessageType<unknown>): Type | undefined {
  return reflectionTypes.get(messageType)?.();
}

/** A MessageType backed by a protobufjs reflection type, resolved on first use. */
export function messageTypeOf<T>(typeName: string, resolve: () => Type): MessageType<T> {
  let type: Type | undefined;
  // Resolved on first use, then held here: no lookup per message.
  let converter: Converter | undefined;
  const get = (): Type => (type ??= resolve());
  const encode = (message: DeepPartial<T>): Buffer => {
    const resolved = get();
    return asBuffer(resolved.encode((converter ??= converterFor(resolved)).toWire(message)).finish());
  };
  // The converter builds exactly T's shape (see convert.ts); the cast is where that is asserted.
  const decode = (bytes: Uint8Array): T => {
    const resolved = get();
    return (converter ??= converterFor(resolved)).fromWire(resolved.decode(bytes)) as T;
  };
  const encodeFramed = (message: unknown): Buffer => {
    const resolved = get();
    // Five bytes of room first (a fixed32 and a one-byte varint), then the message itself.
    const writer = Writer.create().fixed32(0).uint32(0);
    return asBuffer(resolved.encode((converter ??= converterFor(resolved)).toWire(message), writer).finish());
  };
  const messageType: MessageType<T> = {
    typeName,
    encode,
    decode,
    create: (partial) => decode(encode(partial ?? ({} as DeepPartial<T>))),
  };
  reflectionTypes.set(messageType, get);
  framedEncoders.set(messageType, encodeFramed);
  return messageType;
}
