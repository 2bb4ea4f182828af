/**
 * Converters from vmrpc's message values to the objects the compiled encoder writes
 * (compile-encoder.ts), compiled once per message type: 64-bit integers from bigint, oneofs from
 * `{ $case, <field> }` unions, Struct/Value/ListValue from JSON, maps as key/value arrays. The way
 * back is the compiled decoder's (compile-decoder.ts), which builds vmrpc values from the wire.
 */
import { Enum, Type, type Field } from 'protobufjs';
import { compileConverter, isRecord, type Converter, type FieldPlan, type OneofPlan } from './compile-converter';
import { fromBigInt } from './long';
import { isRealOneof, realOneofs } from './oneof-last-wins';
import { UNSIGNED_64 } from './wire-types';

export type { Converter } from './compile-converter';

type Convert = (value: unknown) => unknown;

const identity: Convert = (value) => value;

const converters = new WeakMap<Type, Converter>();

/** The converter of a resolved protobufjs message type (compiled on first use, then cached). */
export function converterFor(type: Type): Converter {
  let converter = converters.get(type);
  if (converter === undefined) {
    converter = special(type) ?? compile(type);
    converters.set(type, converter);
  }
  return converter;
}

/**
 * Maps (and Struct) are plain objects, where `__proto__` is the prototype, not an entry: refused on
 * encode rather than dropped in silence (the decoder keeps such a key from a peer as an own property).
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

const JSON_CONVERTERS: Record<string, Converter> = {
  '.google.protobuf.Struct': { toWire: structToWire },
  '.google.protobuf.Value': { toWire: valueToWire },
  '.google.protobuf.ListValue': { toWire: listToWire },
};

function special(type: Type): Converter | undefined {
  return JSON_CONVERTERS[type.fullName];
}

// --- generic messages ---

function valueConverter(field: Field): { toWire: Convert; identity: boolean } {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return { toWire: (value) => converterFor(resolved).toWire(value), identity: false };
  if (resolved instanceof Enum || !field.long) return { toWire: identity, identity: true };
  const unsigned = UNSIGNED_64.has(field.type);
  return { toWire: (value) => (typeof value === 'bigint' ? fromBigInt(value, unsigned) : value), identity: false };
}

function planField(field: Field): FieldPlan {
  field.resolve();
  const { toWire, identity } = valueConverter(field);
  const name = field.name;
  if (field.map) {
    const where = field.fullName.slice(1);
    return { name, identity: false, nullable: false, toWire: (value) => (isRecord(value) ? mapEntries(value, toWire, where) : undefined) };
  }
  if (field.repeated) return { name, identity: false, nullable: false, toWire: (value) => (Array.isArray(value) ? value.map(toWire) : undefined) };
  return { name, toWire, identity, nullable: field.resolvedType?.fullName === '.google.protobuf.Value', required: field.required };
}

function compile(type: Type): Converter {
  const plans = new Map(type.fieldsArray.map((field) => [field.name, planField(field)]));
  const plain = type.fieldsArray.filter((field) => !isRealOneof(field)).map((field) => plans.get(field.name)!);
  const oneofs: OneofPlan[] = realOneofs(type).map(({ group, members }) => ({ group, members: members.map((name) => plans.get(name)!) }));
  return compileConverter(type, plain, oneofs);
}
