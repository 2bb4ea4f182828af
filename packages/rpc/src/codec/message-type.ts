/** A message type's codec: what generated code exports next to each message interface. */
import type { Type } from 'protobufjs';
import type { DeepPartial } from '../types';
import { converterFor, type Converter } from './convert';
import { decodeMessage, decoderFor } from './decode';
import { encodeMessage, encoderFor } from './encode';
import type { MessageDecoder } from './compile-decoder';
import type { MessageEncoder } from './compile-encoder';

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
  let encoder: MessageEncoder | undefined;
  const get = (): Type => (type ??= resolve());
  const encodeAfter = (headroom: number, message: unknown): Buffer => {
    const resolved = get();
    return encodeMessage((encoder ??= encoderFor(resolved)), (converter ??= converterFor(resolved)).toWire(message), headroom);
  };
  const encode = (message: DeepPartial<T>): Buffer => encodeAfter(0, message);
  // The decoder builds exactly T's shape (compile-decoder.ts); the cast is where that is asserted.
  let decoder: MessageDecoder | undefined;
  const decode = (bytes: Uint8Array): T => decodeMessage((decoder ??= decoderFor(get())), bytes) as T;
  // Five bytes of room first, for the gRPC message prefix, then the message itself.
  const encodeFramed = (message: unknown): Buffer => encodeAfter(5, message);
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
