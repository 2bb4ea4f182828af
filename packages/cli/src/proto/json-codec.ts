/**
 * The protobuf JSON mapping (what grpcurl and protoc's JSON printers speak) over protobufjs
 * reflection types: lowerCamelCase keys (proto names accepted on input), 64-bit integers as
 * strings, enums by name, bytes as base64, and the well-known types in their JSON forms
 * (Timestamp, Duration, wrappers, Struct/Value/ListValue, FieldMask, Any). Fields holding
 * their default value are left out unless `emitDefaults` is set.
 */
import { Enum, Type, util, type Field, type MapField, type Message } from 'protobufjs';
import { durationFromJson, durationToJson, timestampFromJson, timestampToJson } from './time-json';

/** A JSON value. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };
/** A message as protobufjs's Type#fromObject takes it, and as Type#decode returns it. */
type PlainMessage = { [field: string]: unknown };

const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const UNSIGNED = new Set(['uint64', 'fixed64', 'uint32', 'fixed32']);
const WRAPPERS = new Set(['DoubleValue', 'FloatValue', 'Int64Value', 'UInt64Value', 'Int32Value', 'UInt32Value', 'BoolValue', 'StringValue', 'BytesValue']);
const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

/** Options of messageToJson(). */
export interface ToJsonOptions {
  /** Print fields that hold their default value too (grpcurl's -emit-defaults). */
  emitDefaults?: boolean;
}

/** protoc's JSON name of a field: underscores dropped, the letter after each one upper-cased. */
export function jsonNameOf(fieldName: string): string {
  return fieldName.replace(/_+([a-z0-9]?)/g, (_, next: string) => next.toUpperCase());
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Fails with the JSON path of the bad value. */
function invalid(path: string, expected: string, value: unknown): never {
  throw new Error(`${path}: expected ${expected}, got ${JSON.stringify(value) ?? String(value)}`);
}

/** The well-known type a message type is, if any (`Timestamp` for google.protobuf.Timestamp). */
function wellKnown(type: Type): string | undefined {
  return type.fullName.startsWith('.google.protobuf.') ? type.fullName.slice('.google.protobuf.'.length) : undefined;
}

// Well-known types are read by field number, which is the same whatever names a loader kept.
function fieldName(type: Type, id: number): string {
  const field = type.fieldsById[id];
  if (field === undefined) throw new Error(`${type.fullName.slice(1)} has no field ${id}`);
  return field.name;
}

// ---------------------------------------------------------------- JSON -> message

function scalarFromJson(field: Field | MapField, value: Json, path: string): unknown {
  const type = field.type;
  if (INT64.has(type)) {
    const text = typeof value === 'number' && Number.isInteger(value) ? String(value) : value;
    if (typeof text !== 'string' || !/^-?\d+$/.test(text)) invalid(path, `a 64-bit integer (number or decimal string)`, value);
    // protobufjs would wrap a value beyond the type's range (2^64 arrives as 0): refuse it.
    const [min, max] = UNSIGNED.has(type) ? [0n, 2n ** 64n - 1n] : [-(2n ** 63n), 2n ** 63n - 1n];
    const number = BigInt(text);
    if (number < min || number > max) invalid(path, `a 64-bit integer from ${min} to ${max} (${type})`, value);
    return text;
  }
  if (INT32.has(type)) {
    const number = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number)) invalid(path, 'an integer', value);
    if (UNSIGNED.has(type) ? number < 0 || number > 0xffffffff : number < -0x80000000 || number > 0x7fffffff) invalid(path, `a ${type}`, value);
    return number;
  }
  switch (type) {
    case 'double':
    case 'float':
      if (typeof value === 'number') return value;
      if (value === 'NaN' || value === 'Infinity' || value === '-Infinity') return Number(value);
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
      return invalid(path, 'a number', value);
    case 'bool':
      if (typeof value !== 'boolean') invalid(path, 'true or false', value);
      return value;
    case 'string':
      if (typeof value !== 'string') invalid(path, 'a string', value);
      return value;
    case 'bytes':
      if (typeof value !== 'string' || !/^[A-Za-z0-9+/_-]*={0,2}$/.test(value)) invalid(path, 'base64 bytes', value);
      return Buffer.from(value, 'base64');
    default:
      return invalid(path, `a ${type}`, value);
  }
}

function enumFromJson(enumType: Enum, value: Json, path: string): number {
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && enumType.values[value] !== undefined) return enumType.values[value]!;
  return invalid(path, `one of ${Object.keys(enumType.values).join(', ')}`, value);
}

function valueFromJson(field: Field | MapField, value: Json, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return messageFromJson(resolved, value, path);
  if (resolved instanceof Enum) return enumFromJson(resolved, value, path);
  return scalarFromJson(field, value, path);
}

function structValueFromJson(type: Type, value: Json, path: string): PlainMessage {
  const kind = (id: number, content: unknown): PlainMessage => ({ [fieldName(type, id)]: content });
  const root = type.root;
  if (value === null) return kind(1, 0);
  if (typeof value === 'number') return kind(2, value);
  if (typeof value === 'string') return kind(3, value);
  if (typeof value === 'boolean') return kind(4, value);
  if (Array.isArray(value)) return kind(6, messageFromJson(root.lookupType('google.protobuf.ListValue'), value, path));
  return kind(5, messageFromJson(root.lookupType('google.protobuf.Struct'), value, path));
}

function wellKnownFromJson(name: string, type: Type, value: Json, path: string): PlainMessage | undefined {
  if (WRAPPERS.has(name)) return { [fieldName(type, 1)]: valueFromJson(type.fieldsById[1]!, value, path) };
  switch (name) {
    case 'Timestamp':
    case 'Duration': {
      if (typeof value !== 'string') invalid(path, name === 'Timestamp' ? 'an RFC 3339 time (2024-01-02T03:04:05Z)' : 'a duration in seconds (1.5s)', value);
      const parsed = name === 'Timestamp' ? timestampFromJson(value, path) : durationFromJson(value, path);
      return { [fieldName(type, 1)]: parsed.seconds, [fieldName(type, 2)]: parsed.nanos };
    }
    case 'Value':
      return structValueFromJson(type, value, path);
    case 'ListValue':
      if (!Array.isArray(value)) invalid(path, 'an array', value);
      return { [fieldName(type, 1)]: value.map((item, index) => messageFromJson(type.root.lookupType('google.protobuf.Value'), item, `${path}[${index}]`)) };
    case 'Struct': {
      if (!isObject(value)) invalid(path, 'an object', value);
      const valueType = type.root.lookupType('google.protobuf.Value');
      return { [fieldName(type, 1)]: Object.fromEntries(Object.entries(value).map(([key, item]) => [key, messageFromJson(valueType, item, `${path}.${key}`)])) };
    }
    case 'FieldMask':
      if (typeof value !== 'string') invalid(path, 'comma-separated field paths', value);
      return { [fieldName(type, 1)]: value === '' ? [] : value.split(',').map((item) => item.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`)) };
    case 'Any': {
      if (!isObject(value) || typeof value['@type'] !== 'string') return invalid(path, 'an object with "@type"', value);
      const typeUrl = value['@type'];
      const inner = type.root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
      const { '@type': _, ...rest } = value;
      const content = wellKnown(inner) !== undefined && hasOwn(rest, 'value') && Object.keys(rest).length === 1 && !isObject(rest['value']) ? rest['value']! : rest;
      return { [fieldName(type, 1)]: typeUrl, [fieldName(type, 2)]: encodeJson(inner, content, path) };
    }
    default:
      return undefined;
  }
}

/** A JSON value of message `type` as the object protobufjs encodes; errors name the JSON path. */
export function messageFromJson(type: Type, json: Json, path = type.name): PlainMessage {
  const special = wellKnown(type) === undefined ? undefined : wellKnownFromJson(wellKnown(type)!, type, json, path);
  if (special !== undefined) return special;
  if (!isObject(json)) return invalid(path, `a JSON object for ${type.fullName.slice(1)}`, json);
  const byName = new Map<string, Field>();
  for (const field of type.fieldsArray) byName.set(field.name, field).set(jsonNameOf(field.name), field);
  const message: PlainMessage = {};
  for (const [key, value] of Object.entries(json)) {
    const field = byName.get(key);
    if (field === undefined) throw new Error(`${path}: ${type.fullName.slice(1)} has no field "${key}"`);
    const where = `${path}.${key}`;
    // null is "not set", except for google.protobuf.Value where it is JSON null.
    if (value === null && !(field.resolvedType instanceof Type && wellKnown(field.resolvedType) === 'Value')) continue;
    if (field.map) {
      if (!isObject(value)) invalid(where, 'an object', value);
      message[field.name] = Object.fromEntries(Object.entries(value).map(([mapKey, item]) => [mapKey, valueFromJson(field, item, `${where}.${mapKey}`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) invalid(where, 'an array', value);
      message[field.name] = value.map((item, index) => valueFromJson(field, item, `${where}[${index}]`));
    } else {
      message[field.name] = valueFromJson(field, value, where);
    }
  }
  return message;
}

/** The wire encoding of a JSON value of message `type`. */
export function encodeJson(type: Type, json: Json, path = type.name): Buffer {
  const message = type.fromObject(messageFromJson(type, json, path));
  const problem = type.verify(message);
  if (problem !== null) throw new Error(`${path}: ${problem}`);
  return Buffer.from(type.encode(message).finish());
}

// ---------------------------------------------------------------- message -> JSON

/** The shortest decimal that reads back as the same 32-bit float (0.1, not 0.10000000149011612). */
function floatToJson(value: number): number {
  for (let digits = 1; digits <= 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return value;
}

function isZeroLong(value: unknown): boolean {
  return typeof value === 'object' && value !== null && (value as { low?: number }).low === 0 && (value as { high?: number }).high === 0;
}

function scalarToJson(type: string, value: unknown): Json {
  if (INT64.has(type)) return String(value);
  switch (type) {
    case 'double':
    case 'float': {
      const number = value as number;
      if (!Number.isFinite(number)) return String(number);
      return type === 'float' ? floatToJson(number) : number;
    }
    case 'bytes':
      return Buffer.from(value as Uint8Array).toString('base64');
    default:
      return value as Json;
  }
}

function valueToJson(field: Field | MapField, value: unknown, options: ToJsonOptions): Json {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return messageToJson(resolved, value as Message, options);
  if (resolved instanceof Enum) return resolved.valuesById[value as number] ?? (value as number);
  return scalarToJson(field.type, value);
}

function isDefault(value: unknown): boolean {
  if (value === undefined || value === null || value === 0 || value === '' || value === false) return true;
  if (value instanceof Uint8Array) return value.length === 0;
  return isZeroLong(value);
}

function mapKeyToJson(field: MapField, key: string): string {
  // protobufjs keys 64-bit map entries by an 8-character hash of the bits.
  if (!INT64.has(field.keyType)) return key;
  return util.LongBits.fromHash(key).toLong(UNSIGNED.has(field.keyType)).toString();
}

function wellKnownToJson(name: string, type: Type, message: PlainMessage, options: ToJsonOptions): Json | undefined {
  const get = (id: number): unknown => message[fieldName(type, id)];
  if (WRAPPERS.has(name)) return valueToJson(type.fieldsById[1]!, get(1) ?? type.fieldsById[1]!.defaultValue, options);
  switch (name) {
    case 'Timestamp':
      return timestampToJson(String(get(1) ?? 0), Number(get(2) ?? 0));
    case 'Duration':
      return durationToJson(String(get(1) ?? 0), Number(get(2) ?? 0));
    case 'Value': {
      for (const field of type.fieldsArray) {
        if (!hasOwn(message, field.name) || message[field.name] === null || message[field.name] === undefined) continue;
        return field.id === 1 ? null : valueToJson(field, message[field.name], options);
      }
      return null;
    }
    case 'ListValue':
      return ((get(1) as Message[] | undefined) ?? []).map((item) => messageToJson(type.root.lookupType('google.protobuf.Value'), item, options));
    case 'Struct': {
      const valueType = type.root.lookupType('google.protobuf.Value');
      const fields = (get(1) as { [key: string]: Message } | undefined) ?? {};
      return Object.fromEntries(Object.entries(fields).map(([key, item]) => [key, messageToJson(valueType, item, options)]));
    }
    case 'FieldMask':
      return ((get(1) as string[] | undefined) ?? []).map(jsonNameOf).join(',');
    case 'Any': {
      const typeUrl = String(get(1) ?? '');
      const bytes = (get(2) as Uint8Array | undefined) ?? new Uint8Array();
      const inner = type.root.lookup(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
      if (!(inner instanceof Type)) return { '@type': typeUrl, value: Buffer.from(bytes).toString('base64') };
      const content = messageToJson(inner, inner.decode(bytes), options);
      return isObject(content) && wellKnown(inner) === undefined ? { '@type': typeUrl, ...content } : { '@type': typeUrl, value: content };
    }
    default:
      return undefined;
  }
}

/** A decoded message of `type` as JSON. */
export function messageToJson(type: Type, message: Message | PlainMessage, options: ToJsonOptions = {}): Json {
  const plain = message as PlainMessage;
  const name = wellKnown(type);
  const special = name === undefined ? undefined : wellKnownToJson(name, type, plain, options);
  if (special !== undefined) return special;
  const json: JsonObject = {};
  for (const field of type.fieldsArray) {
    const key = jsonNameOf(field.name);
    const value = plain[field.name];
    if (field.map) {
      const entries = Object.entries((value as { [key: string]: unknown } | undefined) ?? {});
      if (entries.length > 0 || options.emitDefaults === true) json[key] = Object.fromEntries(entries.map(([mapKey, item]) => [mapKeyToJson(field as unknown as MapField, mapKey), valueToJson(field, item, options)]));
    } else if (field.repeated) {
      const items = (value as unknown[] | undefined) ?? [];
      if (items.length > 0 || options.emitDefaults === true) json[key] = items.map((item) => valueToJson(field, item, options));
    } else if (field.partOf !== null || field.resolvedType instanceof Type) {
      // Fields with presence: printed when set (a message field unset prints null with emitDefaults).
      if (hasOwn(plain, field.name) && value !== null && value !== undefined) json[key] = valueToJson(field, value, options);
      else if (options.emitDefaults === true && field.partOf === null) json[key] = null;
    } else if (!isDefault(value) || options.emitDefaults === true) {
      json[key] = valueToJson(field, value ?? field.defaultValue, options);
    }
  }
  return json;
}

/** The JSON of the wire encoding of a message of `type`. */
export function decodeToJson(type: Type, bytes: Uint8Array, options: ToJsonOptions = {}): Json {
  return messageToJson(type, type.decode(bytes), options);
}
