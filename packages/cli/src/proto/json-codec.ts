/**
 * protobuf -> JSON, the protobuf JSON mapping (what grpcurl and protoc's JSON printers speak)
 * over protobufjs reflection types: lowerCamelCase keys, 64-bit integers as strings, enums by
 * name, bytes as base64, and the well-known types in their JSON forms (Timestamp, Duration,
 * wrappers, Struct/Value/ListValue, FieldMask, Any). Fields holding their default value are
 * left out unless `emitDefaults` is set. The other direction: json-parse.ts.
 */
import { Enum, Type, util, type Field, type MapField, type Message } from 'protobufjs';
import { keepLastMembers, lastMemberOf } from '@vmrpc/rpc';
import { durationToJson, timestampToJson } from './time-json';
import { INT64, UNSIGNED, WRAPPERS, fieldName, hasOwn, isObject, jsonNameOf, wellKnown, type Json, type JsonObject, type PlainMessage } from './json-types';

export { jsonNameOf, type Json } from './json-types';

/** Options of messageToJson(). */
export interface ToJsonOptions {
  /** Print fields that hold their default value too (grpcurl's -emit-defaults). */
  emitDefaults?: boolean;
}

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

/**
 * Whether decoding set `field`: protobufjs leaves an unset field's default on the prototype, so
 * an own property; but a oneof keeps every member seen on the wire, and only the last counts
 * (@vmrpc/rpc's keepLastMembers records it, and makes no member an own property).
 */
function isSet(message: PlainMessage, field: Field): boolean {
  const last = field.partOf === null ? undefined : lastMemberOf(message, field.partOf.name);
  return last === undefined ? hasOwn(message, field.name) : last === field.name;
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
    // Out of the type's range: undefined, so the fields print as those of any message.
    case 'Timestamp':
      return timestampToJson(String(get(1) ?? 0), Number(get(2) ?? 0));
    case 'Duration':
      return durationToJson(String(get(1) ?? 0), Number(get(2) ?? 0));
    case 'Value': {
      for (const field of type.fieldsArray) {
        if (!isSet(message, field) || message[field.name] === null || message[field.name] === undefined) continue;
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
      const content = decodeToJson(inner, bytes, options);
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
    } else if (field.hasPresence) {
      // Fields with presence (messages, oneof members, proto3 optional, every proto2 field) print
      // when set, whatever the value; an unset one not at all (decode leaves only its default on
      // the prototype), or with emitDefaults its default (null for a message; oneofs none).
      if (isSet(plain, field) && value !== null && value !== undefined) json[key] = valueToJson(field, value, options);
      else if (options.emitDefaults === true && field.partOf === null) json[key] = field.resolvedType instanceof Type ? null : valueToJson(field, field.defaultValue, options);
    } else if (!isDefault(value) || options.emitDefaults === true) {
      json[key] = valueToJson(field, value ?? field.defaultValue, options);
    }
  }
  return json;
}

/** The JSON of the wire encoding of a message of `type` (of a oneof, the last member on the wire). */
export function decodeToJson(type: Type, bytes: Uint8Array, options: ToJsonOptions = {}): Json {
  keepLastMembers(type);
  return messageToJson(type, type.decode(bytes), options);
}
