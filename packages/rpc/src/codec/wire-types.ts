/**
 * What the compiled encoder and decoder (compile-encoder.ts, compile-decoder.ts) both know of the
 * protobuf wire: each scalar type's wire type, which may be packed, tags, and the nesting limit.
 */
import { Enum, Type, type Field } from 'protobufjs';

/** protobufjs's and protoc's limit on nesting, which also stops a message that holds itself. */
export const MAX_DEPTH = 100;

/** Wire types of the scalar types (an enum is an int32 on the wire). */
export const WIRE_TYPES: Readonly<Record<string, number>> = {
  double: 1, float: 5, int32: 0, uint32: 0, sint32: 0, fixed32: 5, sfixed32: 5,
  int64: 0, uint64: 0, sint64: 0, fixed64: 1, sfixed64: 1, bool: 0, string: 2, bytes: 2,
};

/** Scalar types a repeated field may carry packed (one length-delimited run). */
export const PACKABLE: ReadonlySet<string> = new Set(['double', 'float', 'int32', 'uint32', 'sint32', 'fixed32', 'sfixed32', 'int64', 'uint64', 'sint64', 'fixed64', 'sfixed64', 'bool']);

export const UNSIGNED_64: ReadonlySet<string> = new Set(['uint64', 'fixed64']);

/** A (resolved) field's scalar type as the wire sees it (an enum is an int32), or undefined for a message. */
export function scalarTypeOf(field: Field): string | undefined {
  if (field.resolvedType instanceof Enum) return 'int32';
  return field.resolvedType instanceof Type ? undefined : field.type;
}

/** The tag of field `id` with `wireType`. */
export const tagOf = (id: number, wireType: number): number => ((id << 3) | wireType) >>> 0;
