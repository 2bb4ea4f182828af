/**
 * Converters between vmrpc's message values and the objects protobufjs encodes and decodes,
 * compiled once per message type: 64-bit integers as bigint, oneofs as `{ $case, <field> }`
 * unions, Struct/Value/ListValue as JSON, and full defaults on decode.
 */
import { Enum, Type, type Field } from 'protobufjs';
import type { JsonObject, JsonValue } from '../types';
import { compileConverter, isRecord, type Converter, type FieldPlan, type OneofPlan } from './compile-converter';
import { fromBigInt, hashKeyToDecimal, toBigInt } from './long';
import { isRealOneof, keepLastMembers, lastMemberOf, realOneofs } from './oneof-last-wins';

export type { Converter } from './compile-converter';

type Convert = (value: unknown) => unknown;

const UNSIGNED_64 = new Set(['uint64', 'fixed64']);
const identity: Convert = (value) => value;

const converters = new WeakMap<Type, Converter>();

/** The converter of a resolved protobufjs message type (compiled on first use, then cached). */
export function converterFor(type: Type): Converter {
  let converter = converters.get(type);
  if (converter === undefined) {
    // Before the first decode of this type (or of a type it holds) reaches protobufjs.
    keepLastMembers(type);
    converter = special(type) ?? compile(type);
    converters.set(type, converter);
  }
  return converter;
}

/**
 * Maps (and Struct) are plain objects on both sides, protobufjs's decoded ones included, and there
 * `__proto__` is the prototype, not an entry: refused on encode rather than dropped in silence.
 */
function checkedMapKey(key: string, where: string): string {
  if (key !== '__proto__') return key;
  throw new TypeError(`${where}: the map key "__proto__" cannot be carried (maps are plain objects, where that key is the prototype, not an entry); use another key`);
}

// --- google.protobuf.Struct, Value, ListValue <-> JSON ---

function valueToWire(value: unknown): Record<string, unknown> {
  if (value === null || value === undefined) return { nullValue: 0 };
  switch (typeof value) {
    case 'number':
      return { numberValue: value };
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'bigint':
      return { numberValue: Number(value) };
    default:
      if (Array.isArray(value)) return { listValue: listToWire(value) };
      if (isRecord(value)) return { structValue: structToWire(value) };
      throw new TypeError(`a google.protobuf.Value cannot hold a ${typeof value}`);
  }
}

function structToWire(value: unknown): Record<string, unknown> {
  return { fields: mapEntries(value, valueToWire, 'google.protobuf.Struct') };
}

/**
 * A map's entries as the encoder takes them: keys and values alternating in one array. An array,
 * not an object: objects built key by key get hidden classes that V8 13+ drops at each full
 * collection, and the optimized code that read them with it (see wireShape in compile-converter.ts).
 */
function mapEntries(value: unknown, toWire: Convert, where: string): unknown[] {
  const entries: unknown[] = [];
  if (isRecord(value)) for (const key of Object.keys(value)) if (value[key] !== undefined) entries.push(checkedMapKey(key, where), toWire(value[key]));
  return entries;
}

function listToWire(value: unknown): Record<string, unknown> {
  return { values: Array.isArray(value) ? value.map(valueToWire) : [] };
}

/** A Value's kind is a oneof: the member decoded last (oneof-last-wins.ts) is the value. */
function valueFromWire(message: unknown): JsonValue {
  if (!isRecord(message)) return null;
  switch (lastMemberOf(message, 'kind')) {
    case 'numberValue':
      return Number(message.numberValue);
    case 'stringValue':
      return String(message.stringValue);
    case 'boolValue':
      return Boolean(message.boolValue);
    case 'structValue':
      return structFromWire(message.structValue);
    case 'listValue':
      return listFromWire(message.listValue);
    default:
      return null;
  }
}

function structFromWire(message: unknown): JsonObject {
  const result: JsonObject = {};
  const fields = isRecord(message) ? message.fields : undefined;
  if (isRecord(fields)) for (const key of Object.keys(fields)) result[key] = valueFromWire(fields[key]);
  return result;
}

function listFromWire(message: unknown): JsonValue[] {
  const values = isRecord(message) ? message.values : undefined;
  return Array.isArray(values) ? values.map(valueFromWire) : [];
}

const JSON_CONVERTERS: Record<string, Converter> = {
  '.google.protobuf.Struct': { toWire: structToWire, fromWire: structFromWire },
  '.google.protobuf.Value': { toWire: valueToWire, fromWire: (message) => ({ value: valueFromWire(message) }) },
  '.google.protobuf.ListValue': { toWire: listToWire, fromWire: (message) => ({ values: listFromWire(message) }) },
};

/** Struct/Value/ListValue fields hold plain JSON, not messages; these are their field converters. */
const JSON_FIELD_FROM_WIRE: Record<string, Convert> = {
  '.google.protobuf.Struct': structFromWire,
  '.google.protobuf.Value': valueFromWire,
  '.google.protobuf.ListValue': listFromWire,
};

function special(type: Type): Converter | undefined {
  return JSON_CONVERTERS[type.fullName];
}

// --- generic messages ---

function valueConverters(field: Field): { toWire: Convert; fromWire: Convert; identity: boolean } {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) {
    const json = JSON_FIELD_FROM_WIRE[resolved.fullName];
    if (json !== undefined) return { toWire: (value) => converterFor(resolved).toWire(value), fromWire: json, identity: false };
    return {
      toWire: (value) => converterFor(resolved).toWire(value),
      fromWire: (value) => converterFor(resolved).fromWire(isRecord(value) ? value : {}),
      identity: false,
    };
  }
  if (resolved instanceof Enum) return { toWire: identity, fromWire: identity, identity: true };
  if (field.long) {
    const unsigned = UNSIGNED_64.has(field.type);
    return { toWire: (value) => (typeof value === 'bigint' ? fromBigInt(value, unsigned) : value), fromWire: (value) => toBigInt(value, unsigned), identity: false };
  }
  return { toWire: identity, fromWire: identity, identity: true };
}

function mapKeyFromWire(keyType: string): (key: string) => string {
  switch (keyType) {
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return (key) => (key.length === 8 ? hashKeyToDecimal(key, false) : key);
    case 'uint64':
    case 'fixed64':
      return (key) => (key.length === 8 ? hashKeyToDecimal(key, true) : key);
    default:
      return (key) => key;
  }
}

function planField(field: Field): FieldPlan {
  field.resolve();
  const { toWire, fromWire, identity } = valueConverters(field);
  const name = field.name;
  if (field.map) {
    const keyFromWire = mapKeyFromWire((field as Field & { keyType: string }).keyType);
    const where = field.fullName.slice(1);
    return {
      name,
      tracked: false,
      identity: false,
      nullable: false,
      toWire: (value) => (isRecord(value) ? mapEntries(value, toWire, where) : undefined),
      fromWire: (value) => {
        const out: Record<string, unknown> = {};
        if (isRecord(value)) for (const key of Object.keys(value)) out[keyFromWire(key)] = fromWire(value[key]);
        return out;
      },
    };
  }
  if (field.repeated) {
    return {
      name,
      tracked: false,
      identity: false,
      nullable: false,
      toWire: (value) => (Array.isArray(value) ? value.map(toWire) : undefined),
      fromWire: (value) => (Array.isArray(value) ? value.map(fromWire) : []),
    };
  }
  const tracked = field.resolvedType instanceof Type || field.partOf !== null;
  return { name, tracked, toWire, fromWire, identity, nullable: field.resolvedType?.fullName === '.google.protobuf.Value', required: field.required };
}

function compile(type: Type): Converter {
  const plans = new Map(type.fieldsArray.map((field) => [field.name, planField(field)]));
  const plain = type.fieldsArray.filter((field) => !isRealOneof(field)).map((field) => plans.get(field.name)!);
  // Each oneof's members at the indexes its case slot records (oneof-last-wins.ts).
  const oneofs: OneofPlan[] = realOneofs(type).map(({ group, members }) => ({ group, members: members.map((name) => plans.get(name)!) }));
  return compileConverter(type, plain, oneofs);
}
