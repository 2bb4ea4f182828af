/**
 * Decoding a message with the compiled decoders (compile-decoder.ts): one decoder per protobufjs
 * type, compiled on first use and cached with the shape keepers it made.
 */
import type { Type } from 'protobufjs';
import { compileDecoder, type MessageDecoder } from './compile-decoder';
import { JSON_FIELD_DECODERS, JSON_MESSAGE_DECODERS } from './json-decode';

// Each type's decoder as a field of another message, and as a message of its own.
const fieldDecoders = new WeakMap<Type, MessageDecoder>();
// The shape keepers of each compiled type, alive as long as its type.
const keepersOf = new WeakMap<Type, object[]>();

function fieldDecoderFor(type: Type): MessageDecoder {
  const special = JSON_FIELD_DECODERS[type.fullName];
  if (special !== undefined) return special;
  const cached = fieldDecoders.get(type);
  if (cached !== undefined) return cached;
  const { decoder, nestedTypes, nested, keepers } = compileDecoder(type);
  // Cached before its fields' decoders are made, so a type that holds itself finds this one.
  fieldDecoders.set(type, decoder);
  keepersOf.set(type, keepers);
  for (const nestedType of nestedTypes) nested.push(fieldDecoderFor(nestedType));
  return decoder;
}

/** The decoder of a resolved protobufjs message type as a message of its own. */
export function decoderFor(type: Type): MessageDecoder {
  return JSON_MESSAGE_DECODERS[type.fullName] ?? fieldDecoderFor(type);
}

/** The vmrpc value of the message in `bytes`. Throws a RangeError naming the type on malformed input. */
export function decodeMessage(decoder: MessageDecoder, bytes: Uint8Array): unknown {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return decoder.decode(buf, 0, buf.length, 0, 0);
}
