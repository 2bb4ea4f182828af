/**
 * Map keys other than strings, as the encoder reads them: a map is a plain object, so its keys are
 * property names (`{ 5: 'x' }` has the key "5", `{ [5n]: 'x' }` too). Each is parsed as the key
 * type's value, and a key that is not one is refused by name instead of being sent as 0, or as
 * `true` for "false" (what protobufjs's writer did with such names).
 */

const DECIMAL = /^-?(?:0|[1-9][0-9]*)$/;

const RANGES: Record<string, readonly [bigint, bigint]> = {
  int32: [-(2n ** 31n), 2n ** 31n - 1n],
  sint32: [-(2n ** 31n), 2n ** 31n - 1n],
  sfixed32: [-(2n ** 31n), 2n ** 31n - 1n],
  uint32: [0n, 2n ** 32n - 1n],
  fixed32: [0n, 2n ** 32n - 1n],
  int64: [-(2n ** 63n), 2n ** 63n - 1n],
  sint64: [-(2n ** 63n), 2n ** 63n - 1n],
  sfixed64: [-(2n ** 63n), 2n ** 63n - 1n],
  uint64: [0n, 2n ** 64n - 1n],
  fixed64: [0n, 2n ** 64n - 1n],
};

/**
 * The value of map key `key` of protobuf type `keyType` (not string): 1 or 0 for bool, a number
 * for 32-bit types, a bigint for 64-bit ones. `where` names the field in the error.
 */
export function mapKeyValue(key: string, keyType: string, where: string): number | bigint {
  if (keyType === 'bool') {
    if (key === 'true') return 1;
    if (key === 'false') return 0;
    throw new TypeError(`${where}: the map key "${key}" is not a bool; use the keys "true" and "false"`);
  }
  const range = RANGES[keyType];
  if (range === undefined) throw new TypeError(`${where}: ${keyType} is not a map key type`);
  if (!DECIMAL.test(key)) throw new TypeError(`${where}: the map key "${key}" is not an integer; ${keyType} keys are decimal integers (e.g. { 5: ... } or { [5n]: ... })`);
  // Within 2^53 a number compares exactly: the 32-bit types need no bigint.
  const value = keyType.endsWith('64') ? BigInt(key) : Number(key);
  if (value < range[0] || value > range[1]) throw new RangeError(`${where}: the map key ${key} is out of range for ${keyType} (${range[0]} to ${range[1]})`);
  return value;
}
