/**
 * The encoder of one message type as code of its own, made once per type with `new Function`
 * (as compile-converter.ts makes converters): a size pass, then a write pass into one Buffer of
 * exactly that size. It replaces protobufjs's `Type.encode`, whose writer makes an object per
 * field (an operation list): 2-2.5x the CPU per small message, and, on V8 13 and later (Node 24,
 * 26), a cost at every full garbage collection. Those V8 versions drop the hidden class of objects
 * none of which is alive at the collection, and throw away the optimized code that checked for it
 * (`--trace-deopt`: "embedded weak objects cleared"): with a writer's objects, that is the code of
 * the whole call path that inlined the writer (docs/benchmarks.md, "Hidden classes and full
 * collections"). These encoders make no object per field, and write the bytes protobufjs writes:
 * fields by number, only those present, values coerced alike (test/rpc/codec-encoder.test.ts
 * compares them byte for byte).
 *
 * The two passes meet in an EncodeState: the size pass records, in order, the length of each
 * nested message, packed field, map entry and string, and base64 text decoded for a bytes field;
 * the write pass takes them back in the same order.
 */
import { Type, type Field } from 'protobufjs';
import { hasOwn, isPrototypeKey } from './compile-converter';
import { mapKeyValue } from './map-keys';
import { MAX_DEPTH, PACKABLE, WIRE_TYPES, scalarTypeOf } from './wire-types';
import { setBits, varint32Size, varint64Size, writeFixed32, writeNegativeInt32, writeVarint32, writeVarint64, zigZag64, type Bits } from './wire-write';

/** What the size pass leaves for the write pass. */
export interface EncodeState {
  sizes: number[];
  next: number;
  decoded: Uint8Array[];
  nextDecoded: number;
}

/** The compiled passes of one message type. */
export interface MessageEncoder {
  /** The encoded size of `message`; records what the write pass needs in `state`. */
  size(message: Record<string, unknown>, state: EncodeState, depth: number): number;
  /** Writes `message` at `pos`; returns the position after it. */
  write(message: Record<string, unknown>, state: EncodeState, buf: Buffer, pos: number): number;
}

/** The size pass's code adding the size of scalar `v` (a local) of `type` to `acc`. */
function scalarSize(type: string, v: string, acc: string): string {
  switch (type) {
    case 'int32': return `x = ${v} | 0; ${acc} += x < 0 ? 10 : vsize(x);`;
    case 'uint32': return `${acc} += vsize(${v} >>> 0);`;
    case 'sint32': return `x = ${v} | 0; ${acc} += vsize(((x << 1) ^ (x >> 31)) >>> 0);`;
    case 'bool': return `${acc} += 1;`;
    case 'fixed32': case 'sfixed32': case 'float': return `${acc} += 4;`;
    case 'fixed64': case 'sfixed64': case 'double': return `${acc} += 8;`;
    case 'int64': case 'uint64': return `setBits(B, ${v}); ${acc} += v64size(B.lo, B.hi);`;
    case 'sint64': return `setBits(B, ${v}); zigZag(B); ${acc} += v64size(B.lo, B.hi);`;
    case 'string': return `n = Buffer.byteLength(${v}); st.sizes.push(n); ${acc} += vsize(n) + n;`;
    case 'bytes':
      return `if (typeof ${v} === "string") { ${v} = Buffer.from(${v}, "base64"); st.decoded.push(${v}); } n = ${v}.length >>> 0; ${acc} += vsize(n) + n;`;
    default: throw new TypeError(`no encoding for protobuf type ${type}`);
  }
}

/** The write pass's code writing scalar `v` (a local) of `type` at `p`. */
function scalarWrite(type: string, v: string): string {
  switch (type) {
    case 'int32': return `x = ${v} | 0; p = x < 0 ? wneg(b, p, x) : wv32(b, p, x);`;
    case 'uint32': return `p = wv32(b, p, ${v} >>> 0);`;
    case 'sint32': return `x = ${v} | 0; p = wv32(b, p, ((x << 1) ^ (x >> 31)) >>> 0);`;
    case 'bool': return `b[p++] = ${v} ? 1 : 0;`;
    case 'fixed32': case 'sfixed32': return `p = wf32(b, p, ${v} >>> 0);`;
    case 'float': return `b.writeFloatLE(${v}, p); p += 4;`;
    case 'double': return `b.writeDoubleLE(${v}, p); p += 8;`;
    case 'int64': case 'uint64': return `setBits(B, ${v}); p = wv64(b, p, B.lo, B.hi);`;
    case 'sint64': return `setBits(B, ${v}); zigZag(B); p = wv64(b, p, B.lo, B.hi);`;
    case 'fixed64': case 'sfixed64': return `setBits(B, ${v}); p = wf32(b, p, B.lo); p = wf32(b, p, B.hi);`;
    case 'string': return `n = st.sizes[st.next++]; p = wv32(b, p, n); if (n !== 0) p += b.utf8Write(${v}, p, n);`;
    case 'bytes':
      return `if (typeof ${v} === "string") ${v} = st.decoded[st.nextDecoded++]; n = ${v}.length >>> 0; p = wv32(b, p, n); if (n !== 0) { b.set(${v}, p); p += n; }`;
    default: throw new TypeError(`no encoding for protobuf type ${type}`);
  }
}

/** The tag's varint bytes as literal writes, and their count. */
function tagCode(id: number, wireType: number): { size: number; write: string } {
  const bytes: number[] = [];
  let tag = ((id << 3) | wireType) >>> 0;
  while (tag > 0x7f) {
    bytes.push((tag & 0x7f) | 0x80);
    tag >>>= 7;
  }
  bytes.push(tag);
  return { size: bytes.length, write: bytes.map((byte) => `b[p++] = ${byte};`).join(' ') };
}

/** Code of both passes for one field. */
interface FieldCode {
  size: string;
  write: string;
}

/** A message value: its length-delimited tag, length and fields, or (a group) between start and end tags. */
function messageCode(id: number, delimited: boolean, slot: number, v: string, acc: string): FieldCode {
  if (delimited) {
    const start = tagCode(id, 3);
    const end = tagCode(id, 4);
    return {
      size: `${acc} += ${start.size + end.size} + nested[${slot}].size(${v}, st, d + 1);`,
      write: `${start.write} p = nested[${slot}].write(${v}, st, b, p); ${end.write}`,
    };
  }
  const tag = tagCode(id, 2);
  return {
    size: `e = st.sizes.length; st.sizes.push(0); n = nested[${slot}].size(${v}, st, d + 1); st.sizes[e] = n; ${acc} += ${tag.size} + vsize(n) + n;`,
    write: `${tag.write} p = wv32(b, p, st.sizes[st.next++]); p = nested[${slot}].write(${v}, st, b, p);`,
  };
}

/**
 * A map: one entry message per key (key field 1, value field 2). The converter hands a map on as
 * keys and values alternating in an array (mapEntries in convert.ts). A key is a property name:
 * numbers, bigints and booleans are parsed from it, and refused when it is not one.
 */
function mapCode(field: Field, read: string, slot: number): FieldCode {
  const keyType = (field as Field & { keyType: string }).keyType;
  const where = JSON.stringify(field.fullName.slice(1));
  const tag = tagCode(field.id, 2);
  const keyTag = tagCode(1, WIRE_TYPES[keyType]!);
  const keyValue = keyType === 'string' ? 'kv = k;' : `kv = mapKey(k, ${JSON.stringify(keyType)}, ${where});`;
  const valueType = scalarTypeOf(field);
  let value: FieldCode;
  if (valueType === undefined) {
    value = messageCode(2, false, slot, 'w', 't');
  } else {
    const valueTag = tagCode(2, WIRE_TYPES[valueType]!);
    value = { size: `t += ${valueTag.size}; ${scalarSize(valueType, 'w', 't')}`, write: `${valueTag.write} ${scalarWrite(valueType, 'w')}` };
  }
  const entries = `v = ${read}; if (v !== undefined && v !== null) { for (i = 0; i < v.length; i += 2) { k = v[i]; w = v[i + 1]; ${keyValue}`;
  return {
    size: `${entries} e2 = st.sizes.length; st.sizes.push(0); t = ${keyTag.size}; ${scalarSize(keyType, 'kv', 't')} ${value.size} st.sizes[e2] = t; s += ${tag.size} + vsize(t) + t; } }`,
    write: `${entries} ${tag.write} p = wv32(b, p, st.sizes[st.next++]); ${keyTag.write} ${scalarWrite(keyType, 'kv')} ${value.write} } }`,
  };
}

function repeatedCode(field: Field, read: string, slot: number): FieldCode {
  const type = scalarTypeOf(field);
  const open = `v = ${read}; if (v !== undefined && v !== null && v.length) {`;
  if (type !== undefined && field.packed && PACKABLE.has(type)) {
    const tag = tagCode(field.id, 2);
    return {
      size: `${open} e2 = st.sizes.length; st.sizes.push(0); t = 0; for (i = 0; i < v.length; i++) { w = v[i]; ${scalarSize(type, 'w', 't')} } st.sizes[e2] = t; s += ${tag.size} + vsize(t) + t; }`,
      write: `${open} ${tag.write} p = wv32(b, p, st.sizes[st.next++]); for (i = 0; i < v.length; i++) { w = v[i]; ${scalarWrite(type, 'w')} } }`,
    };
  }
  if (type === undefined) {
    const code = messageCode(field.id, field.delimited, slot, 'w', 's');
    return {
      size: `${open} for (i = 0; i < v.length; i++) { w = v[i]; ${code.size} } }`,
      write: `${open} for (i = 0; i < v.length; i++) { w = v[i]; ${code.write} } }`,
    };
  }
  const tag = tagCode(field.id, WIRE_TYPES[type]!);
  return {
    size: `${open} s += ${tag.size} * v.length; for (i = 0; i < v.length; i++) { w = v[i]; ${scalarSize(type, 'w', 's')} } }`,
    write: `${open} for (i = 0; i < v.length; i++) { w = v[i]; ${tag.write} ${scalarWrite(type, 'w')} } }`,
  };
}

function singularCode(field: Field, read: string, slot: number): FieldCode {
  const type = scalarTypeOf(field);
  const open = `v = ${read}; if (v !== undefined && v !== null) {`;
  if (type === undefined) {
    const code = messageCode(field.id, field.delimited, slot, 'v', 's');
    return { size: `${open} ${code.size} }`, write: `${open} ${code.write} }` };
  }
  const tag = tagCode(field.id, WIRE_TYPES[type]!);
  return { size: `${open} s += ${tag.size}; ${scalarSize(type, 'v', 's')} }`, write: `${open} ${tag.write} ${scalarWrite(type, 'v')} }` };
}

/** A compiled encoder, and the message types whose encoders its `nested` list must be given. */
export interface CompiledEncoder {
  encoder: MessageEncoder;
  nestedTypes: Type[];
  nested: MessageEncoder[];
}

/**
 * The encoder of `type`, reading the objects the converter's toWire makes (plain objects with
 * own properties, maps as key/value arrays; a field named like an Object.prototype member is read
 * as an own property only).
 * Its code calls `nested[i]` for the message types in `nestedTypes[i]`: the caller fills `nested`
 * after caching the encoder, so that a type may hold itself.
 */
export function compileEncoder(type: Type): CompiledEncoder {
  const nestedTypes: Type[] = [];
  const size: string[] = [];
  const write: string[] = [];
  const fields = type.fieldsArray.slice().sort((a, b) => a.id - b.id);
  for (const field of fields) {
    field.resolve();
    const key = JSON.stringify(field.name);
    const read = isPrototypeKey(field.name) ? `(hasOwn(m, ${key}) ? m[${key}] : undefined)` : `m[${key}]`;
    const slot = field.resolvedType instanceof Type ? nestedTypes.push(field.resolvedType) - 1 : -1;
    const code = field.map ? mapCode(field, read, slot) : field.repeated ? repeatedCode(field, read, slot) : singularCode(field, read, slot);
    size.push(code.size);
    write.push(code.write);
  }
  const typeName = JSON.stringify(type.fullName.slice(1));
  const locals = 'let v, w, x, n, e, e2, t, i, k, kv;';
  // The generated functions' only inputs are the helpers passed here; field names enter as JSON literals.
  const make = new Function(
    'nested', 'B', 'hasOwn', 'setBits', 'zigZag', 'vsize', 'v64size', 'wv32', 'wv64', 'wneg', 'wf32', 'mapKey', 'tooDeep',
    `return {
      size(m, st, d) { if (d > ${MAX_DEPTH}) throw tooDeep(${typeName}); ${locals} let s = 0;\n${size.join('\n')}\nreturn s; },
      write(m, st, b, p) { ${locals}\n${write.join('\n')}\nreturn p; },
    };`,
  ) as (...helpers: unknown[]) => MessageEncoder;
  const nested: MessageEncoder[] = [];
  const encoder = make(nested, BITS, hasOwn, setBits, zigZag64, varint32Size, varint64Size, writeVarint32, writeVarint64, writeNegativeInt32, writeFixed32, mapKeyValue, tooDeep);
  return { encoder, nestedTypes, nested };
}

// The halves of the 64-bit value being written: filled by setBits and read at once, never held.
const BITS: Bits = { lo: 0, hi: 0 };

function tooDeep(typeName: string): Error {
  return new RangeError(`${typeName}: messages nested more than ${MAX_DEPTH} deep cannot be encoded (does a message contain itself?)`);
}
