/** protobuf field types to TypeScript types, including the well-known types' mapping. */
import { Enum, MapField, Type, type Field } from 'protobufjs';
import type { FileScope } from './imports';

const SCALARS: Record<string, string> = {
  double: 'number',
  float: 'number',
  int32: 'number',
  uint32: 'number',
  sint32: 'number',
  fixed32: 'number',
  sfixed32: 'number',
  int64: 'bigint',
  uint64: 'bigint',
  sint64: 'bigint',
  fixed64: 'bigint',
  sfixed64: 'bigint',
  bool: 'boolean',
  string: 'string',
  bytes: 'Uint8Array',
};

/** Well-known types: the runtime export each maps to. */
export const WELL_KNOWN: Record<string, { name: string; array?: boolean }> = {
  '.google.protobuf.Timestamp': { name: 'Timestamp' },
  '.google.protobuf.Duration': { name: 'Duration' },
  '.google.protobuf.Any': { name: 'Any' },
  '.google.protobuf.Empty': { name: 'Empty' },
  '.google.protobuf.FieldMask': { name: 'FieldMask' },
  '.google.protobuf.Struct': { name: 'JsonObject' },
  '.google.protobuf.Value': { name: 'JsonValue' },
  '.google.protobuf.ListValue': { name: 'JsonValue', array: true },
  '.google.protobuf.NullValue': { name: 'NullValue' },
  '.google.protobuf.DoubleValue': { name: 'DoubleValue' },
  '.google.protobuf.FloatValue': { name: 'FloatValue' },
  '.google.protobuf.Int64Value': { name: 'Int64Value' },
  '.google.protobuf.UInt64Value': { name: 'UInt64Value' },
  '.google.protobuf.Int32Value': { name: 'Int32Value' },
  '.google.protobuf.UInt32Value': { name: 'UInt32Value' },
  '.google.protobuf.BoolValue': { name: 'BoolValue' },
  '.google.protobuf.StringValue': { name: 'StringValue' },
  '.google.protobuf.BytesValue': { name: 'BytesValue' },
};

/** JSON-shaped types cannot be a method's request or response: they are not objects. */
export const NOT_A_MESSAGE_VALUE = new Set(['.google.protobuf.Value', '.google.protobuf.ListValue']);

/** The TypeScript type of a message or enum, importing what it needs. */
export function namedType(object: Type | Enum, scope: FileScope): string {
  const known = WELL_KNOWN[object.fullName];
  if (known !== undefined) return scope.useRuntime(known.name) + (known.array ? '[]' : '');
  if (object.fullName.startsWith('.google.protobuf.')) throw new Error(`the well-known type ${object.fullName.slice(1)} is not supported`);
  return scope.ref(object);
}

/** The type of one value of a field (an element for repeated fields, a value for maps). */
export function elementType(field: Field, scope: FileScope): string {
  const resolved = field.resolvedType;
  if (resolved instanceof Type || resolved instanceof Enum) return namedType(resolved, scope);
  const scalar = SCALARS[field.type];
  if (scalar === undefined) throw new Error(`${field.fullName.slice(1)}: unknown type ${field.type}`);
  return scalar;
}

const NUMBER_KEYS = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

/** The type of a field's property (without optionality). */
export function fieldType(field: Field, scope: FileScope): string {
  const element = elementType(field, scope);
  if (field instanceof MapField) {
    const keyType = field.keyType;
    // protobufjs encodes every key of an object as text, and 'false' is a true bool on its wire.
    if (keyType === 'bool') throw new Error(`${field.fullName.slice(1)}: maps with bool keys are not supported`);
    return `{ [key: ${NUMBER_KEYS.has(keyType) ? 'number' : 'string'}]: ${element} }`;
  }
  if (field.repeated) return /[\s|{]/.test(element) || element.endsWith(']') ? `Array<${element}>` : `${element}[]`;
  return element;
}
