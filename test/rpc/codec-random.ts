// Random protobufjs-shaped messages of every type in the project's test protos, for the codec's
// differential tests (codec-encoder.test.ts, codec-decoder.test.ts): seeded, so a failure names a
// seed that reproduces it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as ProtobufModule from '../../packages/rpc/node_modules/protobufjs/index.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const rpcRequire = createRequire(createRequire(import.meta.url).resolve('@vmrpc/rpc/package.json'));
export const distOfRpc = path.join(path.dirname(rpcRequire.resolve('@vmrpc/rpc/package.json')), 'dist');
export const protobuf = rpcRequire('protobufjs') as typeof ProtobufModule;
export type { ProtobufModule };

export type Wire = Record<string, unknown>;

/** A small seeded generator, so a failure names a seed that reproduces it. */
export function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

const STRINGS = ['', 'a', 'héllo', '\u{1f600} emoji', 'x'.repeat(39), 'y'.repeat(40), 'ü'.repeat(100), 'z'.repeat(300), '\u0000nul'];
const INT32 = [0, 1, -1, 127, 128, 300, -300, 16383, 16384, 2147483647, -2147483648];
const UINT32 = [0, 1, 127, 128, 16383, 16384, 2097151, 2097152, 268435455, 268435456, 4294967295];
const FLOATS = [0, -0, 1.5, -2.25, 3.4e38, 1e-40, Infinity, -Infinity, NaN];

function pick<T>(next: () => number, values: readonly T[]): T {
  return values[Math.floor(next() * values.length)]!;
}

function randomInt(next: () => number, low: number, high: number): number {
  return low + Math.floor(next() * (high - low + 1));
}

/** A 64-bit value as the converter hands it on: a safe number, or { low, high, unsigned }. */
function random64(next: () => number, unsigned: boolean): unknown {
  if (next() < 0.5) return unsigned ? pick(next, UINT32) * randomInt(next, 0, 2097151) : pick(next, INT32) * randomInt(next, 0, 4194303);
  return { low: randomInt(next, -2147483648, 2147483647), high: randomInt(next, -2147483648, 2147483647), unsigned };
}

function randomScalar(next: () => number, type: string): unknown {
  switch (type) {
    case 'int32': case 'sint32': case 'sfixed32': return next() < 0.8 ? pick(next, INT32) : randomInt(next, -2147483648, 2147483647);
    case 'uint32': case 'fixed32': return next() < 0.8 ? pick(next, UINT32) : randomInt(next, 0, 4294967295);
    case 'int64': case 'sint64': case 'sfixed64': return random64(next, false);
    case 'uint64': case 'fixed64': return random64(next, true);
    case 'bool': return next() < 0.5;
    case 'float': case 'double': return next() < 0.7 ? pick(next, FLOATS) : (next() - 0.5) * 1e6;
    case 'string': return pick(next, STRINGS);
    case 'bytes': {
      const bytes = Buffer.from(Array.from({ length: randomInt(next, 0, 200) }, () => randomInt(next, 0, 255)));
      const form = next();
      return form < 0.6 ? bytes : form < 0.8 ? new Uint8Array(bytes) : bytes.toString('base64');
    }
    default: throw new Error(`no generator for ${type}`);
  }
}

export function randomValue(next: () => number, field: ProtobufModule.Field, depth: number): unknown {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return randomMessage(next, resolved, depth + 1);
  // Enums: declared numbers, and numbers the enum does not declare (negative ones too).
  if (resolved instanceof protobuf.Enum) return next() < 0.8 ? pick(next, Object.values(resolved.values)) : pick(next, [99, -1, 100000]);
  return randomScalar(next, field.type);
}

function randomMapKey(next: () => number, keyType: string): string {
  switch (keyType) {
    case 'string': return pick(next, STRINGS) + String(randomInt(next, 0, 9));
    // protobufjs's writer sends any key of a bool map as true: only "true" is compared with it.
    case 'bool': return 'true';
    case 'int64': case 'sint64': case 'sfixed64': return (BigInt(randomInt(next, -2147483648, 2147483647)) * 3_000_000_000n).toString();
    case 'uint64': case 'fixed64': return (BigInt(randomInt(next, 0, 4294967295)) * 4_000_000_000n).toString();
    default: return String(randomScalar(next, keyType));
  }
}

export function randomMessage(next: () => number, type: ProtobufModule.Type, depth: number): Wire {
  const message: Wire = {};
  if (depth > 3) return message;
  const chosen = new Set<string>();
  for (const oneof of type.oneofsArray) chosen.add(pick(next, oneof.oneof));
  for (const field of type.fieldsArray) {
    field.resolve();
    if (field.partOf !== null && !chosen.has(field.name)) continue;
    if (next() < 0.25) continue;
    const fieldWithKey = field as ProtobufModule.Field & { keyType?: string };
    if (field.map) {
      const map: Wire = {};
      for (let i = randomInt(next, 0, 3); i > 0; i--) map[randomMapKey(next, fieldWithKey.keyType!)] = randomValue(next, field, depth);
      message[field.name] = map;
    } else if (field.repeated) {
      message[field.name] = Array.from({ length: randomInt(next, 0, 4) }, () => randomValue(next, field, depth));
    } else {
      message[field.name] = randomValue(next, field, depth);
    }
  }
  return message;
}

/** A protobufjs-shaped message as the converter hands it to the encoder: maps as key/value arrays. */
export function encoderShape(type: ProtobufModule.Type, message: Wire): Wire {
  const shaped: Wire = { ...message };
  for (const field of type.fieldsArray) {
    const value = Object.hasOwn(message, field.name) ? message[field.name] : undefined;
    if (value === undefined || value === null) continue;
    const nested = field.resolvedType instanceof protobuf.Type ? field.resolvedType : undefined;
    const shape = (item: unknown): unknown => (nested === undefined ? item : encoderShape(nested, item as Wire));
    if (field.map) shaped[field.name] = Object.entries(value as Wire).flatMap(([key, item]) => [key, shape(item)]);
    else if (field.repeated) shaped[field.name] = (value as unknown[]).map(shape);
    else shaped[field.name] = shape(value);
  }
  return shaped;
}

export function loadTypes(): ProtobufModule.Type[] {
  const root = new protobuf.Root();
  root.resolvePath = (_origin: string, target: string): string => (path.isAbsolute(target) ? target : [path.join(REPO, 'protos', target), path.join(REPO, 'test/rpc/protos', target)].find((file) => existsSync(file)) ?? target);
  root.loadSync([
    path.join(REPO, 'protos/vmrpc/testing/v1/types.proto'),
    path.join(REPO, 'protos/vmrpc/testing/v1/conformance.proto'),
    path.join(REPO, 'protos/vmrpc/testing/v1/streaming.proto'),
    path.join(REPO, 'test/rpc/protos/vmrpc/legacy/v1/legacy.proto'),
    path.join(REPO, 'test/rpc/protos/vmrpc/edge/v1/keywords.proto'),
  ], { keepCase: false });
  root.resolveAll();
  const types: ProtobufModule.Type[] = [];
  const visit = (namespace: ProtobufModule.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) types.push(nested);
      if (nested instanceof protobuf.Namespace || nested instanceof protobuf.Type) visit(nested);
    }
  };
  visit(root);
  return types;
}

