// What a vmrpc value of a decoded message should be, built from protobufjs's own decoding and its
// toObject() (longs as decimal text, defaults filled, oneofs named): the oracle of the compiled
// decoder's differential test (codec-decoder.test.ts). Independent of the decoder's code: only the
// vmrpc conventions are applied here (bigint for 64-bit integers, `{ $case }` for a oneof, JSON for
// Struct/Value/ListValue, message fields and proto3 `optional` fields only when they came).
import { protobuf, type ProtobufModule } from './codec-random.js';

type Plain = Record<string, unknown>;

const TO_OBJECT = { longs: String, defaults: true, arrays: true, objects: true, oneofs: true };

function isRealOneof(field: ProtobufModule.Field): boolean {
  const oneof = field.partOf;
  return oneof !== null && !(oneof.oneof.length === 1 && field.options?.proto3_optional === true);
}

function json(typeName: string, value: unknown): unknown {
  const message = (value ?? {}) as Plain;
  switch (typeName) {
    case '.google.protobuf.Struct':
      return Object.fromEntries(Object.entries((message.fields ?? {}) as Plain).map(([key, item]) => [key, json('.google.protobuf.Value', item)]));
    case '.google.protobuf.ListValue':
      return ((message.values ?? []) as unknown[]).map((item) => json('.google.protobuf.Value', item));
    default:
      switch (message.kind) {
        case 'numberValue': return message.numberValue;
        case 'stringValue': return message.stringValue;
        case 'boolValue': return message.boolValue;
        case 'structValue': return json('.google.protobuf.Struct', message.structValue);
        case 'listValue': return json('.google.protobuf.ListValue', message.listValue);
        default: return null;
      }
  }
}

const JSON_TYPES = new Set(['.google.protobuf.Struct', '.google.protobuf.Value', '.google.protobuf.ListValue']);

function fieldValue(field: ProtobufModule.Field, value: unknown): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return JSON_TYPES.has(resolved.fullName) ? json(resolved.fullName, value) : messageValue(resolved, value as Plain, decodedOf.get(value as Plain) ?? {});
  if (field.long) return BigInt(value as string);
  return value;
}

function mapKey(field: ProtobufModule.Field, key: string): string {
  const keyType = (field as ProtobufModule.Field & { keyType: string }).keyType;
  if (!keyType.endsWith('64')) return key;
  // protobufjs keys a 64-bit map by the 8 bytes of the value as text.
  const bits = protobuf.util.LongBits.fromHash(key);
  return new protobuf.util.Long(bits.lo, bits.hi, keyType === 'uint64' || keyType === 'fixed64').toString();
}

/** A scalar field's default as protobufjs's reflection has it (toObject writes a non-finite proto2 default as null). */
function defaultValue(field: ProtobufModule.Field): unknown {
  const value: unknown = field.defaultValue;
  if (field.long) return BigInt(String(value));
  return value;
}

function messageValue(type: ProtobufModule.Type, object: Plain, decoded: Plain): Plain {
  const out: Plain = {};
  for (const field of type.fieldsArray) {
    const name = field.name;
    const value = Object.hasOwn(object, name) ? object[name] : undefined;
    const present = value !== undefined && value !== null;
    if (isRealOneof(field)) {
      if (present && object[field.partOf!.name] === name) out[field.partOf!.name] = { $case: name, [name]: fieldValue(field, value) };
    } else if (field.map) {
      out[name] = Object.fromEntries(Object.entries((value ?? {}) as Plain).map(([key, item]) => [mapKey(field, key), fieldValue(field, item)]));
    } else if (field.repeated) {
      out[name] = ((value ?? []) as unknown[]).map((item) => fieldValue(field, item));
    } else if (field.resolvedType instanceof protobuf.Type || field.partOf !== null) {
      if (present) out[name] = fieldValue(field, value);
    } else {
      out[name] = Object.hasOwn(decoded, name) ? fieldValue(field, value) : defaultValue(field);
    }
  }
  return out;
}

// The decoded protobufjs message behind each toObject() result, to tell absent fields from defaults.
const decodedOf = new WeakMap<Plain, Plain>();

function toObject(type: ProtobufModule.Type, decoded: Plain): Plain {
  const object = type.toObject(decoded as unknown as ProtobufModule.Message, TO_OBJECT) as Plain;
  decodedOf.set(object, decoded);
  for (const field of type.fieldsArray) {
    const nested = field.resolvedType;
    if (!(nested instanceof protobuf.Type) || JSON_TYPES.has(nested.fullName)) continue;
    const value = decoded[field.name];
    const item = object[field.name];
    if (value === null || value === undefined || item === null || item === undefined) continue;
    if (field.map) for (const key of Object.keys(value as Plain)) (item as Plain)[key] = toObject(nested, (value as Plain)[key] as Plain);
    else if (field.repeated) (item as Plain[]).forEach((_entry, index) => ((item as Plain[])[index] = toObject(nested, (value as Plain[])[index] as Plain)));
    else object[field.name] = toObject(nested, value as Plain);
  }
  return object;
}

/** The vmrpc value of `bytes`, a message of `type`, by protobufjs. */
export function expectedValue(type: ProtobufModule.Type, bytes: Uint8Array): unknown {
  const decoded = type.decode(bytes) as unknown as Plain;
  const object = toObject(type, decoded);
  switch (type.fullName) {
    case '.google.protobuf.Struct': return json(type.fullName, object);
    case '.google.protobuf.Value': return { value: json(type.fullName, object) };
    case '.google.protobuf.ListValue': return { values: json(type.fullName, object) };
    default: return messageValue(type, object, decoded);
  }
}
