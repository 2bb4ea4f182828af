/**
 * Decoders of google.protobuf.Struct, Value and ListValue straight to JSON (a Struct as an object,
 * a Value as whatever JSON value it holds, a ListValue as an array), as fields of these types are
 * shown to vmrpc users. Written by hand: the three types are fixed, and their JSON is not a message.
 */
import type { JsonObject, JsonValue } from '../types';
import type { MessageDecoder } from './compile-decoder';
import { MAX_DEPTH } from './wire-types';
import { cursor, malformed, readLength, readVarint32, skipField, tooDeep, truncated } from './wire-read';

const STRUCT = 'google.protobuf.Struct';
const VALUE = 'google.protobuf.Value';
const LIST = 'google.protobuf.ListValue';

/** Reads a tag at `pos`; the position after it is in `cursor.pos`. */
function readTag(buf: Buffer, pos: number, end: number, typeName: string): number {
  const tag = readVarint32(buf, pos, end, typeName);
  if (tag >>> 3 === 0) throw malformed(typeName, 'a field numbered 0', pos);
  return tag;
}

/**
 * Calls `each` with the bounds of every field 1 (the repeated field of Struct and ListValue) of
 * the message in buf[pos, end), in wire order; other fields are skipped.
 */
function eachField1(buf: Buffer, pos: number, end: number, depth: number, typeName: string, each: (start: number, end: number) => void): void {
  while (pos < end) {
    const tag = readTag(buf, pos, end, typeName);
    pos = cursor.pos;
    if (tag !== 10) {
      pos = skipField(buf, pos, end, tag, depth, typeName);
      continue;
    }
    const length = readLength(buf, pos, end, typeName);
    pos = cursor.pos;
    each(pos, pos + length);
    pos += length;
  }
}

function decodeStruct(buf: Buffer, start: number, end: number, depth: number): JsonObject {
  if (depth > MAX_DEPTH) throw tooDeep(STRUCT);
  const result: JsonObject = {};
  eachField1(buf, start, end, depth, STRUCT, (entryStart, entryEnd) => {
    let pos = entryStart;
    let key = '';
    let value: JsonValue = null;
    while (pos < entryEnd) {
      const entryTag = readTag(buf, pos, entryEnd, STRUCT);
      pos = cursor.pos;
      if (entryTag === 10) {
        const length = readLength(buf, pos, entryEnd, STRUCT);
        pos = cursor.pos;
        key = buf.toString('utf8', pos, pos + length);
        pos += length;
      } else if (entryTag === 18) {
        const length = readLength(buf, pos, entryEnd, STRUCT);
        pos = cursor.pos;
        value = decodeValue(buf, pos, pos + length, depth + 1);
        pos += length;
      } else {
        pos = skipField(buf, pos, entryEnd, entryTag, depth, STRUCT);
      }
    }
    // "__proto__" is a key like any other: a property of its own, not the prototype.
    Object.defineProperty(result, key, { value, writable: true, enumerable: true, configurable: true });
  });
  return result;
}

function decodeValue(buf: Buffer, pos: number, end: number, depth: number): JsonValue {
  if (depth > MAX_DEPTH) throw tooDeep(VALUE);
  // A oneof: the last member on the wire wins; none is JSON null.
  let value: JsonValue = null;
  while (pos < end) {
    const tag = readTag(buf, pos, end, VALUE);
    pos = cursor.pos;
    switch (tag) {
      case 8:
        readVarint32(buf, pos, end, VALUE);
        pos = cursor.pos;
        value = null;
        break;
      case 17:
        if (end - pos < 8) throw truncated(VALUE, pos, end);
        value = buf.readDoubleLE(pos);
        pos += 8;
        break;
      case 26: case 42: case 50: {
        const length = readLength(buf, pos, end, VALUE);
        pos = cursor.pos;
        if (tag === 26) value = buf.toString('utf8', pos, pos + length);
        else if (tag === 42) value = decodeStruct(buf, pos, pos + length, depth + 1);
        else value = decodeList(buf, pos, pos + length, depth + 1);
        pos += length;
        break;
      }
      case 32:
        value = readVarint32(buf, pos, end, VALUE) !== 0;
        pos = cursor.pos;
        break;
      default:
        pos = skipField(buf, pos, end, tag, depth, VALUE);
    }
  }
  return value;
}

function decodeList(buf: Buffer, start: number, end: number, depth: number): JsonValue[] {
  if (depth > MAX_DEPTH) throw tooDeep(LIST);
  const values: JsonValue[] = [];
  eachField1(buf, start, end, depth, LIST, (valueStart, valueEnd) => values.push(decodeValue(buf, valueStart, valueEnd, depth + 1)));
  return values;
}

/** The JSON decoders by full type name, as fields of these types decode. */
export const JSON_FIELD_DECODERS: Record<string, MessageDecoder> = {
  '.google.protobuf.Struct': { decode: (buf, pos, end, depth) => decodeStruct(buf, pos, end, depth) },
  '.google.protobuf.Value': { decode: (buf, pos, end, depth) => decodeValue(buf, pos, end, depth) },
  '.google.protobuf.ListValue': { decode: (buf, pos, end, depth) => decodeList(buf, pos, end, depth) },
};

/** The three as messages of their own (a MessageType of them): Struct is its JSON object, the others are wrapped. */
export const JSON_MESSAGE_DECODERS: Record<string, MessageDecoder> = {
  '.google.protobuf.Struct': JSON_FIELD_DECODERS['.google.protobuf.Struct']!,
  '.google.protobuf.Value': { decode: (buf, pos, end, depth) => ({ value: decodeValue(buf, pos, end, depth) }) },
  '.google.protobuf.ListValue': { decode: (buf, pos, end, depth) => ({ values: decodeList(buf, pos, end, depth) }) },
};
