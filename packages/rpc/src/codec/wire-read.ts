/**
 * The protobuf wire primitives the compiled decoders (compile-decoder.ts) call: varints, skipping
 * unknown fields, 64-bit values as bigint, and the errors of malformed input. A read that needs to
 * return a position as well leaves it in `cursor.pos` (decoding is synchronous and runs no user
 * code, so one cursor serves every decoder).
 */
import { MAX_DEPTH } from './wire-types';

/** Where the last read of a varint, tag or skipped field ended. */
export const cursor = { pos: 0 };

/** The halves of the last 64-bit varint read. */
export const bits = { lo: 0, hi: 0 };


/** Malformed input: what is wrong, and where (the message type and the byte offset). */
export function malformed(typeName: string, what: string, pos: number): RangeError {
  return new RangeError(`${typeName}: malformed message: ${what} at byte ${pos}`);
}

/** The error of a read that runs past `end`. */
export function truncated(typeName: string, pos: number, end: number): RangeError {
  return malformed(typeName, `a field runs past the end of its message (${end})`, pos);
}

/**
 * Reads a varint of up to 10 bytes at `pos` and returns its low 32 bits (unsigned), as int32,
 * uint32, enum and bool fields and lengths are read; `cursor.pos` is set after it.
 */
export function readVarint32(buf: Buffer, pos: number, end: number, typeName: string): number {
  let value = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= end) throw truncated(typeName, pos, end);
    const byte = buf[pos++]!;
    if (shift < 32) value |= (byte & 0x7f) << shift;
    if (byte < 0x80) {
      cursor.pos = pos;
      return value >>> 0;
    }
  }
  throw malformed(typeName, 'a varint longer than 10 bytes', pos);
}

/** Reads a varint of up to 10 bytes into `bits`; `cursor.pos` is set after it. */
export function readVarint64(buf: Buffer, pos: number, end: number, typeName: string): void {
  let lo = 0;
  let hi = 0;
  for (let shift = 0; shift < 70; shift += 7) {
    if (pos >= end) throw truncated(typeName, pos, end);
    const byte = buf[pos++]!;
    const part = byte & 0x7f;
    if (shift < 28) lo |= part << shift;
    else if (shift === 28) {
      lo |= part << 28;
      hi |= part >>> 4;
    } else hi |= part << (shift - 32);
    if (byte < 0x80) {
      bits.lo = lo >>> 0;
      bits.hi = hi >>> 0;
      cursor.pos = pos;
      return;
    }
  }
  throw malformed(typeName, 'a varint longer than 10 bytes', pos);
}

/** Reads a length prefix and checks that what it announces fits before `end`; `cursor.pos` is after the prefix. */
export function readLength(buf: Buffer, pos: number, end: number, typeName: string): number {
  const length = readVarint32(buf, pos, end, typeName);
  if (length > end - cursor.pos) throw truncated(typeName, cursor.pos, end);
  return length;
}

/** The bigint of 64 bits given as halves (signed or unsigned); below 2^53 without bigint arithmetic. */
export function bigintOf(lo: number, hi: number, unsigned: boolean): bigint {
  if (hi < 0x200000) return BigInt(hi * 4294967296 + lo);
  if (!unsigned && hi >= 0xffe00000) return BigInt((hi - 4294967296) * 4294967296 + lo);
  const value = (BigInt(hi) << 32n) | BigInt(lo);
  return unsigned ? value : BigInt.asIntN(64, value);
}

/** ZigZag-decodes `bits` in place (sint64). */
export function unZigZag64(): void {
  const negative = bits.lo & 1;
  bits.lo = (((bits.lo >>> 1) | (bits.hi << 31)) ^ -negative) >>> 0;
  bits.hi = ((bits.hi >>> 1) ^ -negative) >>> 0;
}

/**
 * Skips the value of a field this decoder does not know (tag already read, `pos` after it), as the
 * spec asks: unknown fields are dropped. Returns the position after the value.
 */
export function skipField(buf: Buffer, pos: number, end: number, tag: number, depth: number, typeName: string): number {
  switch (tag & 7) {
    case 0:
      readVarint32(buf, pos, end, typeName);
      return cursor.pos;
    case 1:
      if (end - pos < 8) throw truncated(typeName, pos, end);
      return pos + 8;
    case 2: {
      const length = readLength(buf, pos, end, typeName);
      return cursor.pos + length;
    }
    case 3:
      return skipGroup(buf, pos, end, tag >>> 3, depth, typeName);
    case 5:
      if (end - pos < 4) throw truncated(typeName, pos, end);
      return pos + 4;
    case 4:
      throw malformed(typeName, `an end-group tag of field ${tag >>> 3} without its start`, pos);
    default:
      throw malformed(typeName, `the invalid wire type ${tag & 7} (field ${tag >>> 3})`, pos);
  }
}

/** Skips an unknown group up to its end tag; returns the position after that. */
function skipGroup(buf: Buffer, pos: number, end: number, field: number, depth: number, typeName: string): number {
  if (depth > MAX_DEPTH) throw tooDeep(typeName);
  while (pos < end) {
    const tag = readVarint32(buf, pos, end, typeName);
    pos = cursor.pos;
    if ((tag & 7) === 4) {
      if (tag >>> 3 !== field) throw malformed(typeName, `the end of group ${tag >>> 3} inside group ${field}`, pos);
      return pos;
    }
    pos = skipField(buf, pos, end, tag, depth + 1, typeName);
  }
  throw malformed(typeName, `group ${field} is not ended`, pos);
}

export function tooDeep(typeName: string): RangeError {
  return new RangeError(`${typeName}: messages nested more than ${MAX_DEPTH} deep cannot be decoded`);
}
