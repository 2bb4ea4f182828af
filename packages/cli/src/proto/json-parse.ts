/**
 * JSON -> protobuf, as protoc's JSON parser takes it: lowerCamelCase or .proto field names,
 * 64-bit integers as numbers or decimal strings (within the type's range), enums by name (or
 * number), bytes as base64, and the well-known types in their JSON forms. Errors name the JSON
 * path of the bad value.
 */
import { Enum, Type, type Field, type MapField } from 'protobufjs';
import { durationFromJson, timestampFromJson } from './time-json';
import { INT32, INT64, UNSIGNED, WRAPPERS, fieldName, hasOwn, invalid, isObject, jsonNameOf, wellKnown, type Json, type PlainMessage } from './json-types';

/**
 * A message or map object with no prototype: protobufjs's encoder reads every field by name, so
 * on a `{}` a left-out field named `constructor` or `to_string` would be read from
 * Object.prototype and sent.
 */
function own(entries: Iterable<readonly [string, unknown]> = []): PlainMessage {
  const object = Object.create(null) as PlainMessage;
  for (const [key, value] of entries) object[key] = value;
  return object;
}

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

// protobufjs keeps the resolved features (editions) in a field its typings leave out.
function isClosed(enumType: Enum): boolean {
  return (enumType as unknown as { _features?: { enum_type?: string } })._features?.enum_type === 'CLOSED';
}

/**
 * A value's name (own names only: "toString" is no value) or number. An open enum (proto3)
 * takes any int32, as protoc's parser does; a closed one (proto2) only the numbers it names.
 */
function enumFromJson(enumType: Enum, value: Json, path: string): number {
  if (typeof value === 'string' && hasOwn(enumType.values, value)) return enumType.values[value]!;
  const closed = isClosed(enumType);
  if (typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff && (!closed || hasOwn(enumType.valuesById, String(value)))) return value;
  return invalid(path, `one of ${Object.keys(enumType.values).join(', ')}${closed ? '' : ' (or an int32 number)'}`, value);
}

/** A map key as JSON writes it (always a string), checked against the key type. */
function mapKeyFromJson(field: MapField, key: string, path: string): string {
  if (field.keyType === 'bool') {
    if (key !== 'true' && key !== 'false') invalid(path, 'a map key true or false', key);
  } else if (field.keyType !== 'string') {
    if (!/^-?\d+$/.test(key)) invalid(path, `an integer map key (${field.keyType})`, key);
    scalarFromJson({ type: field.keyType } as Field, key, path);
  }
  return key;
}

/** What protoc's parser refuses beyond single values: two members of one oneof, a required field left out. */
function checkFields(type: Type, message: PlainMessage, path: string): void {
  for (const oneof of type.oneofsArray) {
    const set = oneof.fieldsArray.filter((field) => hasOwn(message, field.name));
    if (set.length > 1) throw new Error(`${path}: ${set.map((field) => `"${jsonNameOf(field.name)}"`).join(' and ')} are members of oneof ${oneof.name}: set one`);
  }
  for (const field of type.fieldsArray) {
    if (field.required && !hasOwn(message, field.name)) throw new Error(`${path}: the required field "${jsonNameOf(field.name)}" is missing`);
  }
}

function valueFromJson(field: Field | MapField, value: Json, path: string): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return messageFromJson(resolved, value, path);
  if (resolved instanceof Enum) return enumFromJson(resolved, value, path);
  return scalarFromJson(field, value, path);
}

function structValueFromJson(type: Type, value: Json, path: string): PlainMessage {
  const kind = (id: number, content: unknown): PlainMessage => own([[fieldName(type, id), content]]);
  const root = type.root;
  if (value === null) return kind(1, 0);
  if (typeof value === 'number') return kind(2, value);
  if (typeof value === 'string') return kind(3, value);
  if (typeof value === 'boolean') return kind(4, value);
  if (Array.isArray(value)) return kind(6, messageFromJson(root.lookupType('google.protobuf.ListValue'), value, path));
  return kind(5, messageFromJson(root.lookupType('google.protobuf.Struct'), value, path));
}

function wellKnownFromJson(name: string, type: Type, value: Json, path: string): PlainMessage | undefined {
  if (WRAPPERS.has(name)) return own([[fieldName(type, 1), valueFromJson(type.fieldsById[1]!, value, path)]]);
  switch (name) {
    case 'Timestamp':
    case 'Duration': {
      if (typeof value !== 'string') invalid(path, name === 'Timestamp' ? 'an RFC 3339 time (2024-01-02T03:04:05Z)' : 'a duration in seconds (1.5s)', value);
      const parsed = name === 'Timestamp' ? timestampFromJson(value, path) : durationFromJson(value, path);
      return own([[fieldName(type, 1), parsed.seconds], [fieldName(type, 2), parsed.nanos]]);
    }
    case 'Value':
      return structValueFromJson(type, value, path);
    case 'ListValue':
      if (!Array.isArray(value)) invalid(path, 'an array', value);
      return own([[fieldName(type, 1), value.map((item, index) => messageFromJson(type.root.lookupType('google.protobuf.Value'), item, `${path}[${index}]`))]]);
    case 'Struct': {
      if (!isObject(value)) invalid(path, 'an object', value);
      const valueType = type.root.lookupType('google.protobuf.Value');
      return own([[fieldName(type, 1), own(Object.entries(value).map(([key, item]) => [key, messageFromJson(valueType, item, `${path}.${key}`)]))]]);
    }
    case 'FieldMask':
      if (typeof value !== 'string') invalid(path, 'comma-separated field paths', value);
      return own([[fieldName(type, 1), value === '' ? [] : value.split(',').map((item) => item.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`))]]);
    case 'Any': {
      if (!isObject(value) || typeof value['@type'] !== 'string') return invalid(path, 'an object with "@type"', value);
      const typeUrl = value['@type'];
      const inner = type.root.lookupType(typeUrl.slice(typeUrl.lastIndexOf('/') + 1));
      const { '@type': _, ...rest } = value;
      const content = wellKnown(inner) !== undefined && hasOwn(rest, 'value') && Object.keys(rest).length === 1 && !isObject(rest['value']) ? rest['value']! : rest;
      return own([[fieldName(type, 1), typeUrl], [fieldName(type, 2), encodeJson(inner, content, path)]]);
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
  const message = own();
  for (const [key, value] of Object.entries(json)) {
    const field = byName.get(key);
    if (field === undefined) throw new Error(`${path}: ${type.fullName.slice(1)} has no field "${key}"`);
    const where = `${path}.${key}`;
    // null is "not set", except for google.protobuf.Value where it is JSON null.
    if (value === null && !(field.resolvedType instanceof Type && wellKnown(field.resolvedType) === 'Value')) continue;
    if (field.map) {
      if (!isObject(value)) invalid(where, 'an object', value);
      const mapField = field as unknown as MapField;
      message[field.name] = own(Object.entries(value).map(([mapKey, item]) => [mapKeyFromJson(mapField, mapKey, `${where}.${mapKey}`), valueFromJson(field, item, `${where}.${mapKey}`)]));
    } else if (field.repeated) {
      if (!Array.isArray(value)) invalid(where, 'an array', value);
      message[field.name] = value.map((item, index) => valueFromJson(field, item, `${where}[${index}]`));
    } else {
      message[field.name] = valueFromJson(field, value, where);
    }
  }
  checkFields(type, message, path);
  return message;
}

/**
 * The wire encoding of a JSON value of message `type`. messageFromJson() checked and converted
 * every value (protobufjs's verify() would refuse the numbers an open enum does not name), so its
 * plain objects are encoded as they are: not through fromObject()'s `new type.ctor()`, whose oneof
 * members are no own properties once a response of the type was decoded (keepLastMembers), and
 * which protobufjs's encoder would then leave out.
 */
export function encodeJson(type: Type, json: Json, path = type.name): Buffer {
  return Buffer.from(type.encode(messageFromJson(type, json, path)).finish());
}
