// Server reflection of types from a proto2 file: the file says `syntax = "proto2"`, groups are
// TYPE_GROUP, required fields LABEL_REQUIRED, defaults are default_value (inf and nan as protoc
// writes them), extension ranges are kept; `vmrpc call` through reflection alone round-trips a
// message holding a group, as it does with the .proto file.
import { closeClient, createClient, createServer, defineFile, ServerReflectionService, type RpcServer } from '@vmrpc/rpc';
import { expect } from 'chai';
import { runCli } from '../cli/run-cli.js';
import { socketPath } from '../support/checks.js';
import { OldService } from './generated/vmrpc/legacy/v1/legacy.js';

// The parts of google/protobuf/descriptor.proto this test reads, decoded by our own runtime.
const descriptorFile = defineFile({
  nested: {
    d: {
      nested: {
        File: { fields: { name: { type: 'string', id: 1 }, dependency: { rule: 'repeated', type: 'string', id: 3 }, messageType: { rule: 'repeated', type: 'Message', id: 4 }, syntax: { type: 'string', id: 12 } } },
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
const FileDescriptor = descriptorFile.message<{ name: string; dependency: string[]; messageType: Message[]; syntax: string }>('d.File');

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
      expect(file.name).to.equal('vmrpc/legacy/v1.proto');
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

  it('serves a package with proto2 and proto3 types as two files, each with its syntax', async function () {
    // Two .proto files of one package: Old (proto2) and New (proto3).
    const mixed = defineFile({
      nested: {
        mix: {
          nested: {
            Old: { edition: 'proto2', fields: { id: { rule: 'required', type: 'string', id: 1 } } },
            New: { fields: { old: { type: 'Old', id: 1 } } },
          },
        },
      },
    });
    const Old = mixed.message<{ id: string }>('mix.Old');
    const New = mixed.message<{ old?: { id: string } }>('mix.New');
    const mixServer = createServer();
    mixServer.add({ get: mixed.unary('mix.Mix', 'Get', Old, New) }, { get: (request) => ({ old: request }) });
    const mixTarget = `unix:${socketPath('reflection-mixed')}`;
    await mixServer.listen(mixTarget);
    const client = createClient(ServerReflectionService, mixTarget);
    try {
      const filesOf = async (symbol: string): Promise<Array<{ name: string; syntax: string; types: string[]; dependency: string[] }>> => {
        for await (const response of client.serverReflectionInfo([{ messageRequest: { $case: 'fileContainingSymbol', fileContainingSymbol: symbol } }], { timeoutMs: 10_000 })) {
          if (response.messageResponse?.$case !== 'fileDescriptorResponse') throw new Error(`unexpected answer ${JSON.stringify(response.messageResponse)}`);
          return response.messageResponse.fileDescriptorResponse.fileDescriptorProto.map((bytes) => {
            const file = FileDescriptor.decode(bytes);
            return { name: file.name, syntax: file.syntax, types: file.messageType.map((message) => message.name), dependency: file.dependency };
          });
        }
        throw new Error('no answer');
      };
      const service = await filesOf('mix.Mix');
      // The service's file, then its imports (depth first); New imports Old, nothing imports the service's file.
      expect(service).to.deep.equal([
        { name: 'mix.proto', syntax: 'proto3', types: [], dependency: ['mix.proto2.proto', 'mix.proto3.proto'] },
        { name: 'mix.proto2.proto', syntax: 'proto2', types: ['Old'], dependency: [] },
        { name: 'mix.proto3.proto', syntax: 'proto3', types: ['New'], dependency: ['mix.proto2.proto'] },
      ]);
      expect(await filesOf('mix.New')).to.deep.equal([service[2], service[1]]);
    } finally {
      closeClient(client);
      await mixServer.close(0);
    }
  });
});
