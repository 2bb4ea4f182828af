/**
 * 64-bit integers are bigint in vmrpc (never number, which loses precision above 2^53, and
 * never string, which hides arithmetic mistakes). protobufjs works in Long; these convert.
 */
import { util } from 'protobufjs';

interface LongLike {
  low: number;
  high: number;
}

const LOW_MASK = 0xffffffffn;
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

export function isLongLike(value: unknown): value is LongLike {
  return typeof value === 'object' && value !== null && typeof (value as LongLike).low === 'number' && typeof (value as LongLike).high === 'number';
}

/** A Long (or number, or decimal string) from protobufjs as a bigint, signed or unsigned per the field. */
export function toBigInt(value: unknown, unsigned: boolean): bigint {
  let result: bigint;
  if (isLongLike(value)) {
    // Fast path: below 2^53 the value is exact as a double, and one BigInt() is much cheaper.
    const high = unsigned ? value.high >>> 0 : value.high;
    if (high < 0x200000 && high >= -0x200000) return BigInt(high * 4294967296 + (value.low >>> 0));
    result = (BigInt(value.high) << 32n) | BigInt(value.low >>> 0);
  }
  else if (typeof value === 'number') result = BigInt(Math.trunc(value));
  else if (typeof value === 'string' || typeof value === 'bigint') result = BigInt(value);
  else result = 0n;
  return unsigned ? BigInt.asUintN(64, result) : BigInt.asIntN(64, result);
}

/** A bigint as the Long protobufjs encodes; out-of-range values wrap modulo 2^64 as in C. */
export function fromBigInt(value: bigint, unsigned: boolean): number | (LongLike & { unsigned: boolean }) {
  // Safe integers go as numbers: the writer encodes them exactly, and no bit twiddling is needed.
  if (value <= MAX_SAFE && value >= (unsigned ? 0n : -MAX_SAFE)) return Number(value);
  const bits = BigInt.asUintN(64, value);
  // protobufjs's writer takes any { low, high } (LongBits.from), so no Long instance is needed.
  return { low: Number(bits & LOW_MASK) | 0, high: Number(bits >> 32n) | 0, unsigned };
}

/** A 64-bit map key as protobufjs decodes it (an 8-character hash of the bits) as a decimal string. */
export function hashKeyToDecimal(key: string, unsigned: boolean): string {
  const bits = util.LongBits.fromHash(key);
  return toBigInt({ low: bits.lo, high: bits.hi }, unsigned).toString();
}
