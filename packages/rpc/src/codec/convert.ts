/**
 * Converters between vmrpc's message values and the objects protobufjs encodes and decodes,
 * compiled once per message type: 64-bit integers as bigint, oneofs as `{ $case, <field> }`
 * unions, Struct/Value/ListValue as JSON, and full defaults on decode.
 */
import { Enum, Type, type Field, type Message } from 'protobufjs';
import type { JsonObject, JsonValue } from '../types';
import { fromBigInt, hashKeyToDecimal, toBigInt } from './long';

type Convert = (value: unknown) => unknown;

export interface Converter {
  /** A (partial) vmrpc value as an object protobufjs can encode. */
  toWire(value: unknown): Record<string, unknown>;
  /** A decoded protobufjs message as a full vmrpc value. */
  fromWire(message: Message | Record<string, unknown>): Record<string, unknown>;
}

const UNSIGNED_64 = new Set(['uint64', 'fixed64']);
const identity: Convert = (value) => value;
const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

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
  const fields: Record<string, unknown> = {};
  if (isRecord(value)) for (const key of Object.keys(value)) if (value[key] !== undefined) fields[key] = valueToWire(value[key]);
  return { fields };
}

function listToWire(value: unknown): Record<string, unknown> {
  return { values: Array.isArray(value) ? value.map(valueToWire) : [] };
}

function valueFromWire(message: unknown): JsonValue {
  if (!isRecord(message)) return null;
  if (hasOwn(message, 'numberValue')) return Number(message.numberValue);
  if (hasOwn(message, 'stringValue')) return String(message.stringValue);
  if (hasOwn(message, 'boolValue')) return Boolean(message.boolValue);
  if (hasOwn(message, 'structValue')) return structFromWire(message.structValue);
  if (hasOwn(message, 'listValue')) return listFromWire(message.listValue);
  return null;
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

interface FieldPlan {
  name: string;
  toWire: Convert;
  fromWire: Convert;
  /** Presence matters: message fields, proto3 optional fields and oneof members. */
  tracked: boolean;
  /** A google.protobuf.Value field, where null is a value (JSON null), not an absence. */
  nullable?: boolean;
}

function valueConverters(field: Field): { toWire: Convert; fromWire: Convert } {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) {
    const json = JSON_FIELD_FROM_WIRE[resolved.fullName];
    if (json !== undefined) return { toWire: (value) => converterFor(resolved).toWire(value), fromWire: json };
    return {
      toWire: (value) => converterFor(resolved).toWire(value),
      fromWire: (value) => converterFor(resolved).fromWire(isRecord(value) ? value : {}),
    };
  }
  if (resolved instanceof Enum) return { toWire: identity, fromWire: identity };
  if (field.long) {
    const unsigned = UNSIGNED_64.has(field.type);
    return { toWire: (value) => (typeof value === 'bigint' ? fromBigInt(value, unsigned) : value), fromWire: (value) => toBigInt(value, unsigned) };
  }
  return { toWire: identity, fromWire: identity };
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
  const { toWire, fromWire } = valueConverters(field);
  const name = field.name;
  if (field.map) {
    const keyFromWire = mapKeyFromWire((field as Field & { keyType: string }).keyType);
    return {
      name,
      tracked: false,
      toWire: (value) => {
        if (!isRecord(value)) return undefined;
        const out: Record<string, unknown> = {};
        for (const key of Object.keys(value)) if (value[key] !== undefined) out[key] = toWire(value[key]);
        return out;
      },
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
      toWire: (value) => (Array.isArray(value) ? value.map(toWire) : undefined),
      fromWire: (value) => (Array.isArray(value) ? value.map(fromWire) : []),
    };
  }
  const tracked = field.resolvedType instanceof Type || field.partOf !== null;
  return { name, tracked, toWire, fromWire, nullable: field.resolvedType?.fullName === '.google.protobuf.Value' };
}

/** A oneof that is a real choice (not the synthetic one behind a proto3 `optional`). */
export function isRealOneof(field: Field): boolean {
  const oneof = field.partOf;
  return oneof !== null && !(oneof.oneof.length === 1 && field.options?.proto3_optional === true);
}

function compile(type: Type): Converter {
  const plain: FieldPlan[] = [];
  const oneofs = new Map<string, Map<string, FieldPlan>>();
  for (const field of type.fieldsArray) {
    const plan = planField(field);
    if (isRealOneof(field)) {
      const group = field.partOf!.name;
      if (!oneofs.has(group)) oneofs.set(group, new Map());
      oneofs.get(group)!.set(field.name, plan);
    } else {
      plain.push(plan);
    }
  }
  const oneofList = [...oneofs.entries()];

  return {
    toWire(value) {
      const out: Record<string, unknown> = {};
      if (!isRecord(value)) return out;
      for (const plan of plain) {
        const item = value[plan.name];
        if (item === undefined || (item === null && plan.nullable !== true)) continue;
        const wire = plan.toWire(item);
        if (wire !== undefined) out[plan.name] = wire;
      }
      for (const [group, members] of oneofList) {
        const choice = value[group];
        if (!isRecord(choice) || typeof choice.$case !== 'string') continue;
        const plan = members.get(choice.$case);
        if (plan === undefined) throw new TypeError(`${type.fullName.slice(1)}.${group}: no member named ${choice.$case}`);
        const item = choice[choice.$case];
        // A chosen member with no value is sent as its default, so the choice survives the trip.
        out[plan.name] = item === undefined || item === null ? defaultOf(type, plan.name) : plan.toWire(item);
      }
      return out;
    },
    fromWire(message) {
      const out: Record<string, unknown> = {};
      for (const plan of plain) {
        if (plan.tracked) {
          if (hasOwn(message, plan.name) && message[plan.name as keyof typeof message] != null) out[plan.name] = plan.fromWire(message[plan.name as keyof typeof message]);
        } else {
          out[plan.name] = plan.fromWire(message[plan.name as keyof typeof message]);
        }
      }
      for (const [group, members] of oneofList) {
        for (const [name, plan] of members) {
          const item: unknown = message[name as keyof typeof message];
          if (hasOwn(message, name) && item != null) {
            out[group] = { $case: name, [name]: plan.fromWire(item) };
            break;
          }
        }
      }
      return out;
    },
  };
}

function defaultOf(type: Type, fieldName: string): unknown {
  const field = type.fields[fieldName]!;
  if (field.resolvedType instanceof Type) return {};
  return field.defaultValue;
}
