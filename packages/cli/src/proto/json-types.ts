/** What both directions of the protobuf JSON mapping share: JSON types, type sets, names, errors. */
import type { Type } from 'protobufjs';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };
/** A message as protobufjs's Type#fromObject takes it, and as Type#decode returns it. */
export type PlainMessage = { [field: string]: unknown };

export const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
export const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
export const UNSIGNED = new Set(['uint64', 'fixed64', 'uint32', 'fixed32']);
export const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue']);
export const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** protoc's JSON name of a field: underscores dropped, the letter after each one upper-cased. */
export function jsonNameOf(fieldName: string): string {
  return fieldName.replace(/_+([a-z0-9]?)/g, (_, next: string) => next.toUpperCase());
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fails with the JSON path of the bad value. */
export function invalid(path: string, expected: string, value: unknown): never {
  throw new Error(`${path}: expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
}

/** The well-known type a message type is, if any (`Timestamp` for google.protobuf.Timestamp). */
export function wellKnown(type: Type): string | undefined {
  return type.fullName.startsWith('.google.protobuf.') ? type.fullName.slice('.google.protobuf.'.length) : undefined;
}

// Well-known types are read by field number, which is the same whatever names a loader kept.
export function fieldName(type: Type, id: number): string {
  const field = type.fieldsById[id];
  if (field === undefined) throw new Error(`${type.fullName.slice(1)} has no field ${id}`);
  return field.name;
}
