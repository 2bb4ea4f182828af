/**
 * The decoder of one message type as code of its own, made once per type with `new Function`:
 * wire bytes straight to the vmrpc value (64-bit integers as bigint, oneofs as `{ $case }`,
 * Struct/Value/ListValue as JSON, defaults for what is absent), with no protobufjs message or
 * reader in between. It replaces protobufjs's `Type.decode` and the converter's fromWire.
 *
 * Every value starts as one object literal holding the fields that are always there (scalars with
 * their defaults, repeated fields, maps); message fields, proto3 `optional` fields and oneofs are
 * added when they come. The literal gives every decoded value of the type one hidden class that V8
 * keeps alive; `shapeKeepers` keeps one object alive for each added field too. On V8 13 and later
 * a hidden class with no live object is dropped at a full collection, with the optimized code that
 * checked for it: user code that reads decoded values included (docs/architecture.md, "Hidden
 * classes and full collections").
 */
import { Type, type Field } from 'protobufjs';
import { isRealOneof } from './oneof-last-wins';
import { MAX_DEPTH, PACKABLE, UNSIGNED_64, WIRE_TYPES, scalarTypeOf, tagOf } from './wire-types';
import { toBigInt } from './long';
import { bigintOf, bits, cursor, malformed, readLength, readVarint32, readVarint64, skipField, tooDeep, truncated, unZigZag64 } from './wire-read';

/** The compiled decoder of one message type (or one of the JSON types, json-decode.ts). */
export interface MessageDecoder {
  /**
   * The value of the message in `buf` from `pos` to `end`; a group (`group` its field number, not
   * 0) ends at its end tag instead, and leaves the position after that in `cursor.pos`.
   */
  decode(buf: Buffer, pos: number, end: number, depth: number, group: number): unknown;
}

/** A compiled decoder, and the message types whose decoders its `nested` list must be given. */
export interface CompiledDecoder {
  decoder: MessageDecoder;
  nestedTypes: Type[];
  nested: MessageDecoder[];
  /** One object of each shape a decoded value takes when one of its added fields comes (held while the decoder is). */
  keepers: object[];
}

/** The value of an absent bytes field, and of an empty one: no bytes to share or change. */
const EMPTY_BYTES = Object.freeze(Buffer.alloc(0));

/** Code that reads a scalar of `type` at `p` (bounded by `end`) into `target`, leaving `p` after it. */
function readScalar(type: string, target: string, end: string): string {
  const fixed = (size: number, read: string): string => `if (${end} - p < ${size}) throw truncated(N, p, ${end}); ${target} = ${read}; p += ${size};`;
  switch (type) {
    case 'int32': return `${target} = rv32(b, p, ${end}, N) | 0; p = C.pos;`;
    case 'uint32': return `${target} = rv32(b, p, ${end}, N); p = C.pos;`;
    case 'sint32': return `x = rv32(b, p, ${end}, N); p = C.pos; ${target} = (x >>> 1) ^ -(x & 1);`;
    case 'bool': return `${target} = rv32(b, p, ${end}, N) !== 0; p = C.pos;`;
    case 'int64': case 'uint64': return `rv64(b, p, ${end}, N); p = C.pos; ${target} = big(B.lo, B.hi, ${UNSIGNED_64.has(type)});`;
    case 'sint64': return `rv64(b, p, ${end}, N); p = C.pos; unZigZag(); ${target} = big(B.lo, B.hi, false);`;
    case 'fixed32': return fixed(4, 'b.readUInt32LE(p)');
    case 'sfixed32': return fixed(4, 'b.readInt32LE(p)');
    case 'float': return fixed(4, 'b.readFloatLE(p)');
    case 'double': return fixed(8, 'b.readDoubleLE(p)');
    case 'fixed64': return fixed(8, 'big(b.readUInt32LE(p), b.readUInt32LE(p + 4), true)');
    case 'sfixed64': return fixed(8, 'big(b.readUInt32LE(p), b.readUInt32LE(p + 4), false)');
    case 'string': return `n = rlen(b, p, ${end}, N); p = C.pos; ${target} = b.utf8Slice(p, p + n); p += n;`;
    case 'bytes': return `n = rlen(b, p, ${end}, N); p = C.pos; ${target} = n === 0 ? EMPTY : b.subarray(p, p + n); p += n;`;
    default: throw new TypeError(`no decoding for protobuf type ${type}`);
  }
}

/** Code that reads a message (or a group of field `id`) of decoder `nested[slot]` into `target`. */
function readMessage(slot: number, target: string, end: string, group: number): string {
  if (group !== 0) return `${target} = nested[${slot}].decode(b, p, ${end}, d + 1, ${group}); p = C.pos;`;
  return `n = rlen(b, p, ${end}, N); p = C.pos; ${target} = nested[${slot}].decode(b, p, p + n, d + 1, 0); p += n;`;
}

/** The value of a plain scalar field when it is absent, as vmrpc shows it. */
function defaultOf(field: Field): unknown {
  const value = field.defaultValue;
  if (field.type === 'bytes') return value instanceof Uint8Array && value.length > 0 ? value : EMPTY_BYTES;
  if (field.long) return toBigInt(value, UNSIGNED_64.has(field.type));
  return value;
}

interface Plan {
  /** The object literal's entries (fields always present). */
  literal: string[];
  /** `case` arms of the tag switch. */
  cases: string[];
  /** Fields added when they come (for the shape keepers). */
  added: string[];
  /** proto2 required fields: local flag and name. */
  required: { flag: string; name: string }[];
  defaults: unknown[];
  nestedTypes: Type[];
}

function planField(plan: Plan, field: Field): void {
  field.resolve();
  const key = JSON.stringify(field.name);
  const slot = field.resolvedType instanceof Type ? plan.nestedTypes.push(field.resolvedType) - 1 : -1;
  const type = scalarTypeOf(field);
  const group = field.delimited ? field.id : 0;
  const read = (target: string, end: string): string => (type === undefined ? readMessage(slot, target, end, group) : readScalar(type, target, end));
  const tag = type === undefined ? tagOf(field.id, group !== 0 ? 3 : 2) : tagOf(field.id, WIRE_TYPES[type]!);
  if (field.map) return planMap(plan, field, slot);
  if (field.repeated) {
    plan.literal.push(`${JSON.stringify(field.name)}: []`);
    plan.cases.push(`case ${tag}: ${read('v', 'end')} out[${key}].push(v); break;`);
    if (type !== undefined && PACKABLE.has(type)) {
      plan.cases.push(`case ${tagOf(field.id, 2)}: n = rlen(b, p, end, N); p = C.pos; e = p + n; while (p < e) { ${read('v', 'e')} out[${key}].push(v); } break;`);
    }
    return;
  }
  if (isRealOneof(field)) {
    const groupKey = JSON.stringify(field.partOf!.name);
    plan.added.push(field.partOf!.name);
    plan.cases.push(`case ${tag}: ${read('v', 'end')} out[${groupKey}] = { $case: ${key}, ${JSON.stringify(field.name)}: v }; break;`);
    return;
  }
  const tracked = type === undefined || field.partOf !== null;
  if (tracked) plan.added.push(field.name);
  else plan.literal.push(`${JSON.stringify(field.name)}: D[${plan.defaults.push(defaultOf(field)) - 1}]`);
  let mark = '';
  if (field.required) {
    const flag = `r${plan.required.length}`;
    plan.required.push({ flag, name: field.name });
    mark = ` ${flag} = true;`;
  }
  plan.cases.push(`case ${tag}: ${read('v', 'end')} out[${key}] = v;${mark} break;`);
}

/** A map: entries of key (field 1) and value (field 2), either absent meaning its default. */
function planMap(plan: Plan, field: Field, slot: number): void {
  const keyType = (field as Field & { keyType: string }).keyType;
  const valueType = scalarTypeOf(field);
  const key = JSON.stringify(field.name);
  plan.literal.push(`${JSON.stringify(field.name)}: {}`);
  const keyDefault = keyType === 'string' ? '""' : keyType === 'bool' ? 'false' : keyType.endsWith('64') ? '0n' : '0';
  const keyName = keyType === 'bool' ? '(k ? "true" : "false")' : keyType === 'string' ? 'k' : 'String(k)';
  const readValue = valueType === undefined ? readMessage(slot, 'w', 'e', 0) : readScalar(valueType, 'w', 'e');
  const valueTag = tagOf(2, valueType === undefined ? 2 : WIRE_TYPES[valueType]!);
  const valueDefault = valueType === undefined
    ? `nested[${slot}].decode(b, 0, 0, d + 1, 0)`
    : valueType === 'bytes' ? 'EMPTY' : valueType === 'string' ? '""' : valueType === 'bool' ? 'false' : field.long ? '0n' : '0';
  // "__proto__" as a key: a property of its own (a plain assignment would set the prototype).
  const store = keyType === 'string' ? `if (k === "__proto__") setOwn(out[${key}], k, w); else out[${key}][k] = w;` : `out[${key}][${keyName}] = w;`;
  plan.cases.push(
    `case ${tagOf(field.id, 2)}: n = rlen(b, p, end, N); p = C.pos; e = p + n; k = ${keyDefault}; w = undefined; ` +
      `while (p < e) { y = b[p]; if (y < 128) p++; else { y = rv32(b, p, e, N); p = C.pos; } ` +
      `if (y === ${tagOf(1, WIRE_TYPES[keyType]!)}) { ${readScalar(keyType, 'k', 'e')} } else if (y === ${valueTag}) { ${readValue} } else p = skip(b, p, e, y, d, N); } ` +
      `if (w === undefined) w = ${valueDefault}; ${store} break;`,
  );
}

/** The decoder of `type`. Its code calls `nested[i]` for `nestedTypes[i]`: the caller fills `nested`, so a type may hold itself. */
export function compileDecoder(type: Type): CompiledDecoder {
  const plan: Plan = { literal: [], cases: [], added: [], required: [], defaults: [], nestedTypes: [] };
  for (const field of type.fieldsArray) planField(plan, field);
  const literal = `{ ${plan.literal.join(', ')} }`;
  const flags = plan.required.map(({ flag }) => `let ${flag} = false;`).join(' ');
  const checks = plan.required.map(({ flag, name }) => `if (!${flag}) throw missing(N, ${JSON.stringify(name)}, p);`).join(' ');
  // The generated code's names: b the buffer, p the position, end its end, d the depth, group the
  // field number of a group being read (0: none), out the value, t the tag, v a field's value,
  // n a length, e the end of a packed run or map entry, k/w/y a map entry's key, value and tag,
  // x scratch; N the type's name, D the defaults, C the cursor and B the 64-bit halves (wire-read.ts).
  const body = `
    if (d > ${MAX_DEPTH}) throw tooDeep(N);
    const out = ${literal};
    let t, v, n, x, e, k, w, y; ${flags}
    while (p < end) {
      t = b[p];
      if (t < 128) p++; else { t = rv32(b, p, end, N); p = C.pos; }
      switch (t) {
        ${plan.cases.join('\n        ')}
        default:
          if ((t & 7) === 4 && group !== 0 && t >>> 3 === group) { C.pos = p; ${checks} return out; }
          if (t >>> 3 === 0) throw malformed(N, "a field numbered 0", p);
          p = skip(b, p, end, t, d, N);
      }
    }
    if (group !== 0) throw malformed(N, "group " + group + " is not ended", p);
    ${checks}
    return out;`;
  // Shapes of the added fields: the literal with each one, and with all of them in order.
  const keeperCode = plan.added.map((name) => `o = ${literal}; o[${JSON.stringify(name)}] = undefined; list.push(o);`).join(' ');
  const allAdded = plan.added.map((name) => `o[${JSON.stringify(name)}] = undefined;`).join(' ');
  // The generated functions' only inputs are the helpers passed here; names enter as JSON literals.
  const make = new Function(
    'N', 'D', 'nested', 'C', 'B', 'EMPTY', 'rv32', 'rv64', 'rlen', 'big', 'unZigZag', 'skip', 'malformed', 'truncated', 'tooDeep', 'missing', 'setOwn',
    `return {
      decoder: { decode(b, p, end, d, group) { ${body} } },
      keepers() { const list = []; let o; ${keeperCode} ${plan.added.length > 1 ? `o = ${literal}; ${allAdded} list.push(o);` : ''} return list; },
    };`,
  ) as (...helpers: unknown[]) => { decoder: MessageDecoder; keepers(): object[] };
  const nested: MessageDecoder[] = [];
  const made = make(type.fullName.slice(1), plan.defaults, nested, cursor, bits, EMPTY_BYTES, readVarint32, readVarint64, readLength, bigintOf, unZigZag64, skipField, malformed, truncated, tooDeep, missingRequired, setOwn);
  return { decoder: made.decoder, nestedTypes: plan.nestedTypes, nested, keepers: made.keepers() };
}

function missingRequired(typeName: string, fieldName: string, pos: number): RangeError {
  return malformed(typeName, `the proto2 required field ${fieldName} is missing`, pos);
}

function setOwn(object: object, key: string, value: unknown): void {
  Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
}
