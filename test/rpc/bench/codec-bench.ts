/**
 * Encode/decode cost per message of the candidate wire codecs, on the same messages:
 *
 *   vmrpc         the generated MessageType (protobufjs reflection + bigint/oneof/JSON conversion)
 *   reflection    protobufjs reflection alone (Type.encode/decode on Long values); protobufjs
 *                 static code runs the same generated encoder/decoder bodies, so this is its cost too
 *   proto-loader  @grpc/proto-loader's serializers (fromObject/toObject around the same codec)
 *
 *   node test/.build/rpc/bench/codec-bench.js [--json]
 */
import * as protoLoader from '@grpc/proto-loader';
import type { DeepPartial } from '@vmrpc/rpc';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Outcome } from '../generated/vmrpc/testing/v1/streaming.js';
import { Everything } from '../generated/vmrpc/testing/v1/types.js';

const PROTOS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../protos');

interface Case {
  name: string;
  vmrpc: DeepPartial<Everything> | DeepPartial<Outcome>;
  typeName: string;
  /** The same message in proto-loader's object form (longs as strings). */
  loader: Record<string, unknown>;
}

const big: DeepPartial<Everything> = {
  scalars: { doubleValue: 1.5, int32Value: -7, int64Value: 2n ** 60n, uint64Value: 2n ** 63n, stringValue: 'a guest agent status line', bytesValue: Buffer.alloc(64, 7), boolValue: true },
  repeated: { int32Values: Array.from({ length: 32 }, (_, i) => i * 1000), int64Values: [1n, 2n ** 40n, -(2n ** 50n)], stringValues: ['eth0', 'eth1', 'lo'] },
  maps: { stringToString: { os: 'linux', arch: 'x86_64', kernel: '6.8.0' }, int64ToString: { '9007199254740993': 'big' } },
  tree: { root: { name: 'root', kind: 2, children: [{ name: 'a', kind: 1 }, { name: 'b', kind: 1 }] } },
  wellKnown: { timestamp: { seconds: 1_700_000_000n, nanos: 5 }, duration: { seconds: 3n, nanos: 0 } },
  color: 2,
};
const bigLoader = {
  scalars: { doubleValue: 1.5, int32Value: -7, int64Value: String(2n ** 60n), uint64Value: String(2n ** 63n), stringValue: 'a guest agent status line', bytesValue: Buffer.alloc(64, 7), boolValue: true },
  repeated: { int32Values: Array.from({ length: 32 }, (_, i) => i * 1000), int64Values: ['1', String(2n ** 40n), String(-(2n ** 50n))], stringValues: ['eth0', 'eth1', 'lo'] },
  maps: { stringToString: { os: 'linux', arch: 'x86_64', kernel: '6.8.0' }, int64ToString: { '9007199254740993': 'big' } },
  tree: { root: { name: 'root', kind: 2, children: [{ name: 'a', kind: 1 }, { name: 'b', kind: 1 }] } },
  wellKnown: { timestamp: { seconds: '1700000000', nanos: 5 }, duration: { seconds: '3', nanos: 0 } },
  color: 2,
};

const cases: Case[] = [
  { name: 'small (Outcome: int64, int32, string)', vmrpc: { value: 42n, index: 3, peer: 'vsock:3:1024' }, typeName: 'vmrpc.testing.v1.Outcome', loader: { value: '42', index: 3, peer: 'vsock:3:1024' } },
  { name: 'large (Everything: nested, repeated, maps, WKT)', vmrpc: big, typeName: 'vmrpc.testing.v1.Everything', loader: bigLoader },
];

// protobufjs is a dependency of @vmrpc/rpc, not of the tests: load it from there, typed to what is used.
interface ReflectionType {
  encode(message: object): { finish(): Uint8Array };
  decode(bytes: Uint8Array): object;
  fromObject(value: object): object;
  toObject(message: object, options: object): object;
}
interface ReflectionRoot {
  resolvePath: (origin: string, target: string) => string;
  loadSync(files: string[], options: object): ReflectionRoot;
  resolveAll(): ReflectionRoot;
  lookupType(name: string): ReflectionType;
}
const protobuf = createRequire(createRequire(import.meta.url).resolve('@vmrpc/rpc'))('protobufjs') as { Root: new () => ReflectionRoot };

function measure(run: () => void, minMs = 400): number {
  for (let i = 0; i < 2000; i++) run();
  let iterations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0n;
  while (elapsed < BigInt(minMs) * 1_000_000n) {
    for (let i = 0; i < 1000; i++) run();
    iterations += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  return Number(elapsed) / iterations;
}

interface Row {
  message: string;
  codec: string;
  encodeNs: number;
  decodeNs: number;
  bytes: number;
}

function main(): void {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith('google/protobuf/') ? target : path.join(PROTOS, target));
  root.loadSync(['vmrpc/testing/v1/types.proto', 'vmrpc/testing/v1/streaming.proto'], { keepCase: false });
  root.resolveAll();
  const loader = protoLoader.loadSync(['vmrpc/testing/v1/types.proto', 'vmrpc/testing/v1/streaming.proto'], { includeDirs: [PROTOS], longs: String, enums: Number, defaults: true, oneofs: true });

  const rows: Row[] = [];
  for (const item of cases) {
    const vmrpcType = (item.typeName.endsWith('Outcome') ? Outcome : Everything) as unknown as { encode(value: unknown): Buffer; decode(bytes: Uint8Array): unknown };
    const reflection = root.lookupType(item.typeName);
    // proto-loader's own serializers, taken from a method whose request or response is this type.
    const service = loader['vmrpc.testing.v1.Streaming'] as protoLoader.ServiceDefinition;
    const method = item.typeName.endsWith('Outcome') ? service.Act! : service.Echo!;
    const loaderCodec = {
      encode: (value: object) => method.responseSerialize(value),
      decode: (bytes: Uint8Array) => method.responseDeserialize(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)),
    };
    const bytes = vmrpcType.encode(item.vmrpc);
    const wireMessage = reflection.decode(bytes);
    rows.push({ message: item.name, codec: 'vmrpc', bytes: bytes.length, encodeNs: measure(() => vmrpcType.encode(item.vmrpc)), decodeNs: measure(() => vmrpcType.decode(bytes)) });
    rows.push({ message: item.name, codec: 'reflection', bytes: bytes.length, encodeNs: measure(() => reflection.encode(wireMessage).finish()), decodeNs: measure(() => reflection.decode(bytes)) });
    rows.push({ message: item.name, codec: 'proto-loader', bytes: loaderCodec.encode(item.loader).length, encodeNs: measure(() => loaderCodec.encode(item.loader)), decodeNs: measure(() => loaderCodec.decode(bytes)) });
  }
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ node: process.version, rows }, null, 2)}\n`);
    return;
  }
  console.log(`codec cost per message (Node ${process.version}; ns per operation, lower is better)`);
  console.log(`${'message'.padEnd(48)} ${'codec'.padEnd(13)} ${'bytes'.padStart(6)} ${'encode ns'.padStart(10)} ${'decode ns'.padStart(10)}`);
  for (const row of rows) console.log(`${row.message.padEnd(48)} ${row.codec.padEnd(13)} ${String(row.bytes).padStart(6)} ${row.encodeNs.toFixed(0).padStart(10)} ${row.decodeNs.toFixed(0).padStart(10)}`);
}

main();
