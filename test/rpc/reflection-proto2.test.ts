// Server reflection of types from a proto2 file: the file says `syntax = "proto2"`, groups are
// TYPE_GROUP, required fields LABEL_REQUIRED, defaults are default_value (inf and nan as protoc
// writes them), extension ranges are kept; `vmrpc call` through reflection alone round-trips a
// message holding a group, as it does with the .proto file.
import { closeClient, createClient, createServer, defineFile, ServerReflectionService, type RpcServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { runCli } from '../cli/run-cli.js';
import { spawn, spawnSync } from 'node:child_process';
import { socketPath, within } from '../support/checks.js';
import { OldService } from './generated/vmrpc/legacy/v1/legacy.js';

// The parts of google/protobuf/descriptor.proto this test reads, decoded by our own runtime.
const descriptorFile = defineFile({
  nested: {
    d: {
      nested: {
        File: { fields: { name: { type: 'string', id: 1 }, package: { type: 'string', id: 2 }, dependency: { rule: 'repeated', type: 'string', id: 3 }, messageType: { rule: 'repeated', type: 'Message', id: 4 }, syntax: { type: 'string', id: 12 } } },
        Message: {
          fields: {
            name: { type: 'string', id: 1 },
            field: { rule: 'repeated', type: 'Field', id: 2 },
            nestedType: { rule: 'repeated', type: 'Message', id: 3 },
            extensionRange: { rule: 'repeated', type: 'Range', id: 5 },
          },
        },
        Range: { fields: { start: { type: 'int32', id: 1 }, end: { type: 'int32', id: 2 } } },
        Field: {
          fields: {
            name: { type: 'string', id: 1 },
            label: { type: 'int32', id: 4 },
            type: { type: 'int32', id: 5 },
            typeName: { type: 'string', id: 6 },
            defaultValue: { type: 'string', id: 7 },
            proto3Optional: { type: 'bool', id: 17 },
          },
        },
      },
    },
  },
});
interface Field {
  name: string;
  label: number;
  type: number;
  typeName: string;
  defaultValue: string;
}
interface Message {
  name: string;
  field: Field[];
  nestedType: Message[];
  extensionRange: Array<{ start: number; end: number }>;
}
const PYTHON = '/usr/bin/python3';
const FileDescriptor = descriptorFile.message<{ name: string; package: string; dependency: string[]; messageType: Message[]; syntax: string }>('d.File');

describe('server reflection of proto2 types', function () {
  let server: RpcServer;
  const target = `unix:${socketPath('reflection-proto2')}`;

  before(async function () {
    server = createServer();
    server.add(OldService, { get: (request) => request });
    await server.listen(target);
  });

  after(async () => {
    await server?.close(0);
  });

  it('describes the file as proto2: TYPE_GROUP, LABEL_REQUIRED, default_value, extension ranges', async function () {
    const client = createClient(ServerReflectionService, target);
    try {
      const responses: Uint8Array[][] = [];
      for await (const response of client.serverReflectionInfo([{ messageRequest: { $case: 'fileContainingSymbol', fileContainingSymbol: 'vmrpc.legacy.v1.Legacy' } }], { timeoutMs: 10_000 })) {
        if (response.messageResponse?.$case !== 'fileDescriptorResponse') throw new Error(`unexpected answer ${JSON.stringify(response.messageResponse)}`);
        responses.push(response.messageResponse.fileDescriptorResponse.fileDescriptorProto);
      }
      const file = FileDescriptor.decode(responses[0]![0]!);
      expect(file.name).to.equal('vmrpc/legacy/v1/Legacy.proto');
      expect(file.syntax).to.equal('proto2');
      const legacy = file.messageType.find((message) => message.name === 'Legacy')!;
      const byName = new Map(legacy.field.map((field) => [field.name, field]));
      // FieldDescriptorProto: LABEL_OPTIONAL 1, LABEL_REQUIRED 2; TYPE_GROUP 10.
      expect(byName.get('id')).to.include({ label: 2, type: 9 });
      expect(byName.get('result')).to.include({ label: 1, type: 10, typeName: '.vmrpc.legacy.v1.Legacy.Result' });
      expect([...byName.values()].map((field) => [field.name, field.defaultValue])).to.deep.equal([
        ['id', ''],
        ['count', '42'],
        ['label', 'none'],
        ['kind', 'KIND_B'],
        ['numbers', ''],
        ['result', ''],
        ['blob', 'abc'],
        ['high', 'inf'],
        ['low', '-inf'],
        ['odd', 'nan'],
        ['on', 'true'],
      ]);
      expect(legacy.extensionRange).to.deep.equal([{ start: 100, end: 201 }]);
      expect(legacy.nestedType.map((nested) => nested.name)).to.deep.equal(['Result']);
    } finally {
      closeClient(client);
    }
  });

  it('vmrpc call through reflection alone sends and prints a message holding a group', async function () {
    const result = await runCli(['call', target, 'vmrpc.legacy.v1.Old/Get', '{"id": "x", "result": {"url": "u"}, "count": 7}']);
    expect(result.stderr).to.equal('');
    expect(result.code).to.equal(0);
    expect(JSON.parse(result.stdout.toString())).to.deep.include({ id: 'x', count: 7, result: { url: 'u' } });
  });

  describe('a package with proto2 A -> proto3 B -> proto2 C (three source files, no import cycle)', function () {
    this.timeout(40_000);
    // Three .proto files of one package, as defineFile() sees them: A and C proto2, B proto3.
    const mixed = defineFile({
      nested: {
        p: {
          nested: {
            v1: {
              nested: {
                A: { edition: 'proto2', fields: { b: { type: 'B', id: 1 } } },
                B: { fields: { c: { type: 'C', id: 1 } } },
                C: { edition: 'proto2', fields: { x: { type: 'int32', id: 1 }, self: { type: 'C', id: 2 } } },
                D: { fields: { b: { type: 'B', id: 1 } } },
              },
            },
          },
        },
      },
    });
    const A = mixed.message<Record<string, unknown>>('p.v1.A');
    const D = mixed.message<Record<string, unknown>>('p.v1.D');
    const servers: RpcServer[] = [];
    const targets: string[] = [];
    const serve = async (withD: boolean): Promise<string> => {
      const server = createServer();
      servers.push(server);
      server.add({ get: mixed.unary('p.v1.S', 'Get', A, A) }, { get: (request) => request });
      if (withD) server.add({ get: mixed.unary('p.v1.T', 'Get', D, D) }, { get: (request) => request });
      const where = `unix:${socketPath('reflection-cycle')}`;
      await server.listen(where);
      targets.push(where);
      return where;
    };
    after(async () => {
      for (const server of servers) await server.close(0);
    });

    async function filesOf(where: string, symbol: string): Promise<Uint8Array[]> {
      const client = createClient(ServerReflectionService, where);
      try {
        for await (const response of client.serverReflectionInfo([{ messageRequest: { $case: 'fileContainingSymbol', fileContainingSymbol: symbol } }], { timeoutMs: 10_000 })) {
          if (response.messageResponse?.$case !== 'fileDescriptorResponse') throw new Error(`unexpected answer ${JSON.stringify(response.messageResponse)}`);
          return response.messageResponse.fileDescriptorResponse.fileDescriptorProto;
        }
        throw new Error('no answer');
      } finally {
        closeClient(client);
      }
    }
    const summary = (bytes: Uint8Array[]) =>
      bytes.map((one) => {
        const file = FileDescriptor.decode(one);
        return { name: file.name, syntax: file.syntax, types: file.messageType.map((message) => message.name), dependency: file.dependency };
      });

    it('serves a file per type set, each with its source syntax, importing without a cycle; every type resolves', async function () {
      const files = summary(await filesOf(await serve(false), 'p.v1.S'));
      expect(files).to.deep.equal([
        { name: 'p/v1.proto', syntax: 'proto3', types: [], dependency: ['p/v1/A.proto'] },
        { name: 'p/v1/A.proto', syntax: 'proto2', types: ['A'], dependency: ['p/v1/B.proto'] },
        { name: 'p/v1/B.proto', syntax: 'proto3', types: ['B'], dependency: ['p/v1/C.proto'] },
        { name: 'p/v1/C.proto', syntax: 'proto2', types: ['C'], dependency: [] },
      ]);
      // Acyclic: a depth-first walk never meets a file it is inside of.
      const imports = new Map(files.map((file) => [file.name, file.dependency]));
      const walk = (name: string, inside: string[]): void => {
        expect(inside, `import cycle through ${name}`).not.to.include(name);
        for (const next of imports.get(name)!) walk(next, [...inside, name]);
      };
      walk('p/v1.proto', []);
      // Every type a field names is defined in its file or in one it imports directly (as protoc requires).
      const decoded = (await filesOf(targets[0]!, 'p.v1.S')).map((bytes) => FileDescriptor.decode(bytes));
      const defined = new Map(decoded.map((file) => [file.name, file.messageType.map((message) => `.${file.package}.${message.name}`)]));
      for (const file of decoded) {
        const visible = [file.name, ...file.dependency].flatMap((name) => defined.get(name)!);
        for (const message of file.messageType) for (const field of message.field) if (field.typeName !== '') expect(visible, `${file.name}: ${message.name}.${field.name}`).to.include(field.typeName);
      }
    });

    it('names do not depend on the services: adding a proto3 service to the package renames nothing', async function () {
      const alone = summary(await filesOf(await serve(false), 'p.v1.A'));
      const where = await serve(true);
      expect(summary(await filesOf(where, 'p.v1.A'))).to.deep.equal(alone);
      expect(summary(await filesOf(where, 'p.v1.T'))).to.deep.equal([
        { name: 'p/v1.proto', syntax: 'proto3', types: [], dependency: ['p/v1/A.proto', 'p/v1/D.proto'] },
        { name: 'p/v1/A.proto', syntax: 'proto2', types: ['A'], dependency: ['p/v1/B.proto'] },
        { name: 'p/v1/B.proto', syntax: 'proto3', types: ['B'], dependency: ['p/v1/C.proto'] },
        { name: 'p/v1/C.proto', syntax: 'proto2', types: ['C'], dependency: [] },
        { name: 'p/v1/D.proto', syntax: 'proto3', types: ['D'], dependency: ['p/v1/B.proto'] },
      ]);
    });

    it("protobuf's DescriptorPool (Python) loads the files and finds every type with its syntax", async function () {
      if (spawnSync(PYTHON, ['-c', 'import google.protobuf'], { stdio: 'ignore' }).status !== 0) {
        if (process.env.CI === 'true') throw new Error('python3-protobuf is needed for this test (apt-get install python3-grpcio)');
        this.skip();
      }
      const files = await filesOf(await serve(true), 'p.v1.T');
      // Each file after its imports, as DescriptorPool.Add wants; a file that imports itself through others cannot be added.
      const script = [
        'import sys, base64, json',
        'from google.protobuf import descriptor_pb2, descriptor_pool',
        'pool = descriptor_pool.DescriptorPool()',
        'files = {f.name: f for f in (descriptor_pb2.FileDescriptorProto.FromString(base64.b64decode(l)) for l in sys.stdin.read().split())}',
        'added = set()',
        'def add(name, inside):',
        '    if name in inside: raise SystemExit("import cycle: " + " -> ".join(inside + [name]))',
        '    if name in added: return',
        '    for d in files[name].dependency: add(d, inside + [name])',
        '    pool.Add(files[name]); added.add(name)',
        'for name in files: add(name, [])',
        'print(json.dumps({n: pool.FindMessageTypeByName("p.v1." + n).file.syntax for n in "ABCD"}))',
      ].join('\n');
      const child = spawn(PYTHON, ['-c', script], { stdio: ['pipe', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      child.stdin.end(files.map((bytes) => Buffer.from(bytes).toString('base64')).join('\n'));
      const code = await within(30_000, 'python DescriptorPool', new Promise<number | null>((resolve) => child.once('close', resolve)));
      expect(stderr).to.equal('');
      expect(code).to.equal(0);
      expect(JSON.parse(stdout)).to.deep.equal({ A: 'proto2', B: 'proto3', C: 'proto2', D: 'proto3' });
    });
  });
});
