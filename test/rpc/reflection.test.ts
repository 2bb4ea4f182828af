// Server reflection of @vmrpc/rpc's createServer(), read by a non-Node implementation: Python's
// grpcio and protobuf (upb) load the FileDescriptorProtos it serves into a DescriptorPool, which
// validates them as protoc's output is validated, then call a method through them.
import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type RpcServer } from '@vmrpc/rpc';
import { socketPath, within } from '../support/checks.js';
import { EchoService } from './generated/vmrpc/echo/v1/echo.js';
import { StreamingService } from './generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from './streaming-service.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.resolve(here, '../../../test/rpc/interop/python_reflection_client.py');
const PYTHON = '/usr/bin/python3';

const MESSAGE = {
  scalars: { int64Value: '-9007199254740993', uint64Value: '18446744073709551615', floatValue: 0.5, bytesValue: 'AAEC', stringValue: 'ü' },
  repeated: { int64Values: ['1', '-1'], colors: ['COLOR_BLUE'], messages: [{ int32Value: 3 }] },
  maps: { int32ToInt64: { '-3': '4' }, int64ToString: { '-5': 'x' }, uint64ToColor: { '7': 'COLOR_GREEN' }, stringToMessage: { k: { boolValue: true } } },
  tree: { root: { name: 'r', kind: 'KIND_BRANCH', children: [{ name: 'leaf' }] } },
  choice: { text: 't', maybe: 0 },
  wellKnown: { timestamp: '2024-02-29T12:34:56.789Z', duration: '1.500s', struct: { a: [1, 'b', null] }, wrappedInt64: '5' },
  color: 'COLOR_RED',
  kind: 'KIND_LEAF',
};

function runPython(target: string, version: string): Promise<Record<string, unknown>> {
  const child = spawn(PYTHON, [script, target, version], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(JSON.stringify(MESSAGE));
  return within(30_000, 'python reflection client', new Promise((resolve, reject) => {
    child.once('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as Record<string, unknown>) : reject(new Error(`python exited with ${code}: ${stderr}`))));
  }));
}

describe('server reflection, read by Python grpcio + protobuf', function () {
  this.timeout(40_000);
  let server: RpcServer;
  const target = `unix:${socketPath('reflection')}`;

  before(async function () {
    if (spawnSync(PYTHON, ['-c', 'import grpc, google.protobuf'], { stdio: 'ignore' }).status !== 0) {
      if (process.env.CI === 'true') throw new Error('python3-grpcio is needed for the reflection interop test (apt-get install python3-grpcio)');
      this.skip();
    }
    server = createServer();
    server.add(StreamingService, streamingImplementation(newLog()));
    server.add(EchoService, { say: (request) => ({ message: request.message }), *repeat() {} });
    await server.listen(target);
  });

  after(async () => {
    await server?.close(0);
  });

  for (const version of ['v1', 'v1alpha']) {
    it(`grpc.reflection.${version}: services, valid descriptors with imports, a call through them`, async () => {
      const result = await runPython(target, version);
      expect(result.services).to.deep.equal(['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'vmrpc.echo.v1.Echo', 'vmrpc.testing.v1.Streaming']);
      expect(result.files).to.include.members(['vmrpc/testing/v1.proto', 'google/protobuf/timestamp.proto', 'google/protobuf/struct.proto', 'google/protobuf/empty.proto']);
      expect(result.methods).to.deep.equal([
        ['Echo', 'vmrpc.testing.v1.Everything', 'vmrpc.testing.v1.Everything', false, false],
        ['Act', 'vmrpc.testing.v1.Action', 'vmrpc.testing.v1.Outcome', false, false],
        ['Count', 'vmrpc.testing.v1.CountRequest', 'vmrpc.testing.v1.Outcome', false, true],
        ['Sum', 'vmrpc.testing.v1.Action', 'vmrpc.testing.v1.Outcome', true, false],
        ['Chat', 'vmrpc.testing.v1.Action', 'vmrpc.testing.v1.Outcome', true, true],
        ['Ping', 'google.protobuf.Empty', 'google.protobuf.Empty', false, false],
      ]);
      // Python's own JSON printer, through descriptors it got from us, agrees with what was sent.
      expect(result.response).to.deep.equal(MESSAGE);
      expect(result.missingSymbol).to.deep.equal({ error: 5 });
      expect(result.extensionNumbers).to.deep.equal([]);
      expect(result.byFilename).to.equal(1);
    });
  }
});
