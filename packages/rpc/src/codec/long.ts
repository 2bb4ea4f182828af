/**
 * 64-bit integers are bigint in vmrpc (never number, which loses precision above 2^53, and
 * never string, which hides arithmetic mistakes). protobufjs's reflection gives defaults as Long
 * or number, and the encoder takes { low, high }; these convert.
 */
import { bigintOf } from './wire-read';

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
  if (isLongLike(value)) return bigintOf(value.low >>> 0, value.high >>> 0, unsigned);
  let result: bigint;
  if (typeof value === 'number') result = BigInt(Math.trunc(value));
  else if (typeof value === 'string' || typeof value === 'bigint') result = BigInt(value);
  else result = 0n;
  return unsigned ? BigInt.asUintN(64, result) : BigInt.asIntN(64, result);
}

/** A bigint as the encoder takes it (wire-write.ts setBits); out-of-range values wrap modulo 2^64 as in C. */
export function fromBigInt(value: bigint, unsigned: boolean): number | (LongLike & { unsigned: boolean }) {
  // Safe integers go as numbers: the encoder writes them exactly, and no bit twiddling is needed.
  if (value <= MAX_SAFE && value >= (unsigned ? 0n : -MAX_SAFE)) return Number(value);
  const bits = BigInt.asUintN(64, value);
  return { low: Number(bits & LOW_MASK) | 0, high: Number(bits >> 32n) | 0, unsigned };
}
