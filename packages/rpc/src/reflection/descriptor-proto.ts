/**
 * protobufjs reflection types as google.protobuf.DescriptorProto / EnumDescriptorProto objects
 * (the plain-object form protobufjs's descriptor.proto types encode). Written here rather than
 * taken from protobufjs/ext/descriptor's toDescriptor(), which names map entries and type
 * references differently from protoc; strict readers (protobuf's upb, Go) check both.
 *
 * Generated files embed camelCase field names (how vmrpc-gen loads protos), so the .proto names
 * are restored as snake_case: exact for names that follow the proto style guide, and the JSON
 * name is the same either way.
 */
import { Enum, MapField, Type, type Field, type OneOf } from 'protobufjs';

/** A DescriptorProto or EnumDescriptorProto, as fields protobufjs's descriptor types take. */
export type DescriptorObject = { [field: string]: unknown };

// FieldDescriptorProto.Type numbers of the scalar types.
const SCALAR_TYPES: { readonly [name: string]: number } = {
  double: 1,
  float: 2,
  int64: 3,
  uint64: 4,
  int32: 5,
  fixed64: 6,
  fixed32: 7,
  bool: 8,
  string: 9,
  bytes: 12,
  uint32: 13,
  sfixed32: 15,
  sfixed64: 16,
  sint32: 17,
  sint64: 18,
};
const TYPE_GROUP = 10;
const TYPE_MESSAGE = 11;
const TYPE_ENUM = 14;
const LABEL_OPTIONAL = 1;
const LABEL_REQUIRED = 2;
const LABEL_REPEATED = 3;

/** The syntax of the file `type` came from: protobufjs keeps the edition on the top-level definition. */
export function syntaxOf(type: Type | Enum): 'proto2' | 'proto3' {
  let top: Type | Enum = type;
  while (top.parent instanceof Type) top = top.parent;
  return (top as unknown as { _edition?: string })._edition === 'proto2' ? 'proto2' : 'proto3';
}

/** protoc's C escaping of a bytes default: printable ASCII as itself, the rest as octal. */
function escapeBytes(value: string): string {
  return [...Buffer.from(value, 'latin1')]
    .map((byte) => {
      if (byte === 0x5c || byte === 0x22 || byte === 0x27) return `\\${String.fromCharCode(byte)}`;
      if (byte >= 0x20 && byte < 0x7f) return String.fromCharCode(byte);
      return `\\${byte.toString(8).padStart(3, '0')}`;
    })
    .join('');
}

/** FieldDescriptorProto.default_value of a proto2 `[default = ...]`, as protoc writes it; undefined if none. */
function defaultValue(field: Field): string | undefined {
  const value: unknown = field.options?.default;
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'nan';
    if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  }
  if (field.type === 'bytes' && typeof value === 'string') return escapeBytes(value);
  return String(value);
}

/** `failCode` -> `fail_code`; names that are not lowerCamelCase stay as they are. */
export function protoName(name: string): string {
  if (!/^_?[a-z][A-Za-z0-9]*$/.test(name)) return name;
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** protoc's json_name: underscores dropped, the letter after each one upper-cased. */
export function jsonName(name: string): string {
  return name.replace(/_+([a-z0-9]?)/g, (_, next: string) => next.toUpperCase());
}

/** protoc's map entry message name: `int32_to_int64` -> `Int32ToInt64Entry`. */
function mapEntryName(fieldName: string): string {
  const camel = jsonName(fieldName);
  return `${camel.charAt(0).toUpperCase()}${camel.slice(1)}Entry`;
}

function isSynthetic(oneof: OneOf): boolean {
  return oneof.fieldsArray.length === 1 && oneof.fieldsArray[0]!.options?.proto3_optional === true;
}

function scalarType(typeName: string, where: string): number {
  const number = SCALAR_TYPES[typeName];
  if (number === undefined) throw new Error(`${where}: type ${typeName} is not resolved`);
  return number;
}

/** type and type_name of a value of `field` (a map field's value). */
function valueType(field: Field | MapField): { type: number; typeName?: string } {
  const resolved = field.resolvedType;
  if (resolved instanceof Type) return { type: (resolved as Type & { group?: boolean }).group === true ? TYPE_GROUP : TYPE_MESSAGE, typeName: resolved.fullName };
  if (resolved instanceof Enum) return { type: TYPE_ENUM, typeName: resolved.fullName };
  return { type: scalarType(field.type, field.fullName) };
}

function mapEntry(field: MapField, name: string): DescriptorObject {
  return {
    name,
    field: [
      { name: 'key', jsonName: 'key', number: 1, label: LABEL_OPTIONAL, type: scalarType(field.keyType, field.fullName) },
      { name: 'value', jsonName: 'value', number: 2, label: LABEL_OPTIONAL, ...valueType(field) },
    ],
    options: { mapEntry: true },
  };
}

/** The DescriptorProto of a message type, its nested types and enums included. */
export function messageDescriptor(type: Type): DescriptorObject {
  // protoc puts the synthetic oneofs of proto3 `optional` fields after the real ones.
  const oneofs = [...type.oneofsArray.filter((oneof) => !isSynthetic(oneof)), ...type.oneofsArray.filter(isSynthetic)];
  const fields: DescriptorObject[] = [];
  const nestedTypes: DescriptorObject[] = [];
  for (const field of type.fieldsArray) {
    const name = protoName(field.name);
    const descriptor: DescriptorObject = { name, jsonName: jsonName(name), number: field.id };
    if (field instanceof MapField) {
      const entry = mapEntryName(name);
      Object.assign(descriptor, { label: LABEL_REPEATED, type: TYPE_MESSAGE, typeName: `${type.fullName}.${entry}` });
      nestedTypes.push(mapEntry(field, entry));
    } else {
      Object.assign(descriptor, { label: field.repeated ? LABEL_REPEATED : field.required ? LABEL_REQUIRED : LABEL_OPTIONAL, ...valueType(field) });
      const packed: unknown = field.options?.packed;
      if (typeof packed === 'boolean') descriptor.options = { packed };
      const value = defaultValue(field);
      if (value !== undefined) descriptor.defaultValue = value;
    }
    if (field.partOf !== null) descriptor.oneofIndex = oneofs.indexOf(field.partOf);
    if (field.options?.proto3_optional === true) descriptor.proto3Optional = true;
    fields.push(descriptor);
  }
  const enums: DescriptorObject[] = [];
  for (const nested of type.nestedArray) {
    if (nested instanceof Type) nestedTypes.push(messageDescriptor(nested));
    else if (nested instanceof Enum) enums.push(enumDescriptor(nested));
  }
  const reserved = type.reserved ?? [];
  return {
    name: type.name,
    field: fields,
    nestedType: nestedTypes,
    enumType: enums,
    // ExtensionRange ends are exclusive too.
    extensionRange: (type.extensions ?? []).map(([start, end]) => ({ start, end: end! + 1 })),
    oneofDecl: oneofs.map((oneof) => ({ name: protoName(oneof.name) })),
    // DescriptorProto.ReservedRange ends are exclusive; protobufjs keeps them inclusive.
    reservedRange: reserved.filter((entry): entry is number[] => Array.isArray(entry)).map(([start, end]) => ({ start, end: end! + 1 })),
    reservedName: reserved.filter((entry): entry is string => typeof entry === 'string'),
  };
}

/** The EnumDescriptorProto of an enum. */
export function enumDescriptor(enumType: Enum): DescriptorObject {
  const reserved = enumType.reserved ?? [];
  return {
    name: enumType.name,
    value: Object.entries(enumType.values).map(([name, number]) => ({ name, number })),
    ...(enumType.options?.allow_alias === true ? { options: { allowAlias: true } } : {}),
    // EnumReservedRange ends are inclusive, as in protobufjs.
    reservedRange: reserved.filter((entry): entry is number[] => Array.isArray(entry)).map(([start, end]) => ({ start, end })),
    reservedName: reserved.filter((entry): entry is string => typeof entry === 'string'),
  };
}

/** Every message and enum type `type` refers to through its fields (nested types included). */
export function referencedTypes(type: Type): Array<Type | Enum> {
  const found: Array<Type | Enum> = [];
  for (const field of type.fieldsArray) {
    const resolved = field.resolve().resolvedType;
    if (resolved instanceof Type || resolved instanceof Enum) found.push(resolved);
  }
  for (const nested of type.nestedArray) if (nested instanceof Type) found.push(...referencedTypes(nested));
  return found;
}
