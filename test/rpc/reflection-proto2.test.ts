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
        File: { fields: { name: { type: 'string', id: 1 }, messageType: { rule: 'repeated', type: 'Message', id: 4 }, syntax: { type: 'string', id: 12 } } },
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
const FileDescriptor = descriptorFile.message<{ name: string; messageType: Message[]; syntax: string }>('d.File');

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
});
