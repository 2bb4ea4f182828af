/**
 * The protobuf wire primitives the compiled encoders (compile-encoder.ts) call: varint sizes and
 * writes, 64-bit values as two 32-bit halves, fixed-width little-endian writes. Plain functions on
 * numbers and a Buffer, with no object made per value, so V8 keeps them inlined into the encoders.
 * Values are coerced as protobufjs's writer coerces them (`>>> 0`, `| 0`, truthiness), so a
 * message encodes to the bytes protobufjs would write.
 */
import { util } from 'protobufjs';

/** The two 32-bit halves of a 64-bit value, filled by `setBits` and read right away. */
export interface Bits {
  lo: number;
  hi: number;
}

/** Bytes of the varint of an unsigned 32-bit value. */
export function varint32Size(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x200000 ? 3 : value < 0x10000000 ? 4 : 5;
}

/** Writes the varint of an unsigned 32-bit value at `pos`; returns the position after it. */
export function writeVarint32(buf: Buffer, pos: number, value: number): number {
  while (value > 0x7f) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/** Bytes of the varint of a 64-bit value given as halves. */
export function varint64Size(lo: number, hi: number): number {
  if (hi === 0) return varint32Size(lo);
  // Above 32 bits: 4 full groups of 7 bits below bit 28, then what the rest needs.
  const mid = ((lo >>> 28) | (hi << 4)) >>> 0;
  const top = hi >>> 24;
  if (top === 0) return 4 + varint32Size(mid);
  return top < 0x80 ? 9 : 10;
}

/** Writes the varint of a 64-bit value given as halves; returns the position after it. */
export function writeVarint64(buf: Buffer, pos: number, lo: number, hi: number): number {
  while (hi !== 0) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  return writeVarint32(buf, pos, lo);
}

/** A negative int32 goes as the 10-byte varint of its 64-bit sign extension (the spec's rule). */
export function writeNegativeInt32(buf: Buffer, pos: number, value: number): number {
  return writeVarint64(buf, pos, value >>> 0, 0xffffffff);
}

/** Writes 4 bytes little-endian; returns the position after them. */
export function writeFixed32(buf: Buffer, pos: number, value: number): number {
  buf[pos] = value & 0xff;
  buf[pos + 1] = (value >>> 8) & 0xff;
  buf[pos + 2] = (value >>> 16) & 0xff;
  buf[pos + 3] = value >>> 24;
  return pos + 4;
}

/**
 * Fills `bits` with a 64-bit field's value: a number (what the converter makes of a safe bigint),
 * a `{ low, high }` (of a larger one, or a Long), a bigint, or a decimal string (protobufjs's rule).
 */
export function setBits(bits: Bits, value: unknown): void {
  if (typeof value === 'number') {
    setBitsOfNumber(bits, value);
  } else if (typeof value === 'bigint') {
    const unsigned = BigInt.asUintN(64, value);
    bits.lo = Number(unsigned & 0xffffffffn);
    bits.hi = Number(unsigned >> 32n);
  } else if (typeof value === 'string') {
    const parsed = util.LongBits.from(value);
    bits.lo = parsed.lo;
    bits.hi = parsed.hi;
  } else if (typeof value === 'object' && value !== null) {
    const { low, high } = value as { low?: number; high?: number };
    bits.lo = (low as number) >>> 0;
    bits.hi = (high as number) >>> 0;
  } else {
    bits.lo = 0;
    bits.hi = 0;
  }
}

/** Two's complement halves of an integral number (a fraction is cut toward zero, as protobufjs does). */
function setBitsOfNumber(bits: Bits, value: number): void {
  const negative = value < 0;
  const magnitude = negative ? -value : value;
  let lo = magnitude >>> 0;
  let hi = ((magnitude - lo) / 4294967296) >>> 0;
  if (negative) {
    hi = ~hi >>> 0;
    lo = ~lo >>> 0;
    if (++lo > 0xffffffff) {
      lo = 0;
      hi = (hi + 1) >>> 0;
    }
  }
  bits.lo = lo;
  bits.hi = hi;
}

/** ZigZag-encodes `bits` in place (sint64). */
export function zigZag64(bits: Bits): void {
  const mask = bits.hi >> 31;
  bits.hi = (((bits.hi << 1) | (bits.lo >>> 31)) ^ mask) >>> 0;
  bits.lo = ((bits.lo << 1) ^ mask) >>> 0;
}
