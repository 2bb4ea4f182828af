/**
 * Encoding a message with the compiled encoders (compile-encoder.ts): one encoder per protobufjs
 * type, compiled on first use; a message's size first, then one Buffer of exactly that size (plus
 * room in front for a header the caller writes, such as gRPC's 5-byte message prefix).
 */
import type { Type } from 'protobufjs';
import { compileEncoder, type EncodeState, type MessageEncoder } from './compile-encoder';

const encoders = new WeakMap<Type, MessageEncoder>();

/** The encoder of a resolved protobufjs message type (compiled on first use, then cached). */
export function encoderFor(type: Type): MessageEncoder {
  const cached = encoders.get(type);
  if (cached !== undefined) return cached;
  const { encoder, nestedTypes, nested } = compileEncoder(type);
  // Cached before its fields' encoders are made, so a type that holds itself finds this one.
  encoders.set(type, encoder);
  for (const nestedType of nestedTypes) nested.push(encoderFor(nestedType));
  return encoder;
}

/**
 * `message` (an object the converter's toWire made) encoded by `encoder`, after `headroom` bytes
 * left for the caller to fill.
 */
export function encodeMessage(encoder: MessageEncoder, message: Record<string, unknown>, headroom: number): Buffer {
  const state: EncodeState = { sizes: [], next: 0, decoded: [], nextDecoded: 0 };
  const size = encoder.size(message, state, 0);
  const buf = Buffer.allocUnsafe(headroom + size);
  const end = encoder.write(message, state, buf, headroom);
  // The passes disagree only if a value changed between them (a getter): never send such bytes.
  if (end !== buf.length) throw new Error(`encoding a message wrote ${end - headroom} bytes where its size was ${size}: a value of it changed while it was encoded`);
  return buf;
}
