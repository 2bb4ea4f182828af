// vmrpc call and vmrpc list against a real @vmrpc/rpc server over a Unix socket: every call
// shape, with the schema from server reflection and from --proto files.
import { expect } from 'chai';
import { ServerReflectionService } from '@vmrpc/rpc';
import { runCli } from './run-cli.js';
import { startTestServer, useTestServer } from './grpc-server.js';

const STREAMING = 'vmrpc.testing.v1.Streaming';
const PROTO_ARGS = ['--proto', 'vmrpc/testing/v1/streaming.proto', '-I', 'protos'];

// Every kind of field, in the JSON mapping's canonical form (what the CLI must print back).
const EVERYTHING = {
  scalars: {
    doubleValue: 1.5,
    floatValue: 0.1,
    int32Value: -7,
    int64Value: '-9007199254740993',
    uint32Value: 4294967295,
    uint64Value: '18446744073709551615',
    sint64Value: '-2',
    fixed64Value: '1',
    boolValue: true,
    stringValue: 'ünïcödé',
    bytesValue: 'AAEC/w==',
  },
  repeated: { int64Values: ['1', '-1'], doubleValues: ['NaN', 'Infinity'], colors: ['COLOR_RED', 'COLOR_BLUE'], messages: [{ int32Value: 1 }, {}] },
  maps: { stringToString: { a: 'b' }, int32ToInt64: { '-3': '4' }, int64ToString: { '-5': 'x' }, uint64ToColor: { '18446744073709551615': 'COLOR_GREEN' } },
  tree: { root: { name: 'r', kind: 'KIND_BRANCH', children: [{ name: 'leaf', kind: 'KIND_LEAF' }] } },
  choice: { number: '42', maybe: 0 },
  wellKnown: {
    timestamp: '2024-02-29T12:34:56.789Z',
    duration: '-1.500s',
    struct: { a: [1, 'two', null, { b: false }] },
    value: 'text',
    list: [1, { c: null }],
    any: { '@type': 'type.googleapis.com/vmrpc.testing.v1.Action', value: '3', key: 'k' },
    wrappedInt64: '123',
    wrappedString: '',
  },
  color: 'COLOR_RED',
  kind: 'KIND_LEAF',
};

function json(text: Buffer): unknown {
  return JSON.parse(text.toString());
}

function lines(text: Buffer): unknown[] {
  return text
    .toString()
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

describe('vmrpc call and list', function () {
  this.timeout(30_000);
  const served = useTestServer();

  for (const [schema, extra] of [['reflection', []], ['--proto', PROTO_ARGS]] as const) {
    describe(`schema from ${schema}`, () => {
      it('unary: prints the response as indented JSON; -H sends metadata', async () => {
        const result = await runCli(['call', ...extra, '-H', 'x-echo: from-cli', served.target, `${STREAMING}/Act`, '{"value": "9007199254740993"}']);
        expect(result.stderr).to.equal('');
        expect(result.code).to.equal(0);
        expect(result.stdout.toString()).to.match(/^\{\n {2}"value"/);
        expect(json(result.stdout)).to.deep.equal({ value: '9007199254740993', echoed: ['from-cli'], peer: 'unix:unnamed-peer' });
      });

      it('unary: every field kind and well-known type round-trips through the JSON mapping', async () => {
        const result = await runCli(['call', ...extra, served.target, `${STREAMING}/Echo`, JSON.stringify(EVERYTHING)]);
        expect(result.stderr).to.equal('');
        expect(json(result.stdout)).to.deep.equal(EVERYTHING);
      });

      it('server streaming: one JSON line per response', async () => {
        const result = await runCli(['call', ...extra, served.target, `${STREAMING}/Count`, '{"count": 3}']);
        expect(result.code).to.equal(0);
        expect(result.stdout.toString().split('\n')).to.have.length(4);
        expect(lines(result.stdout)).to.deep.equal([{}, { value: '1099511627776', index: 1 }, { value: '2199023255552', index: 2 }]);
      });

      it('client streaming: one request per stdin line (blank lines skipped)', async () => {
        const result = await runCli(['call', ...extra, served.target, `${STREAMING}.Sum`], '{"value": 1}\n\n{"value": "2"}\r\n{"value": 3}');
        expect(result.stderr).to.equal('');
        expect(json(result.stdout)).to.deep.equal({ value: '6', index: 3 });
      });

      it('bidi streaming: responses as lines, in order', async () => {
        const result = await runCli(['call', ...extra, served.target, `/${STREAMING}/Chat`], '{"value": 1}\n{"value": 2}\n{"value": 3}\n');
        expect(result.code).to.equal(0);
        expect(lines(result.stdout)).to.deep.equal([
          { value: '2', peer: 'unix:unnamed-peer' },
          { value: '4', index: 1, peer: 'unix:unnamed-peer' },
          { value: '6', index: 2, peer: 'unix:unnamed-peer' },
        ]);
      });
    });
  }

  it('an empty request from empty stdin, and google.protobuf.Empty as {}', async () => {
    const result = await runCli(['call', served.target, `${STREAMING}/Ping`]);
    expect(result.code).to.equal(0);
    expect(json(result.stdout)).to.deep.equal({});
  });

  it('--emit-defaults prints fields that hold their defaults', async () => {
    const result = await runCli(['call', '--emit-defaults', served.target, `${STREAMING}/Act`, '{}']);
    expect(json(result.stdout)).to.deep.equal({ value: '0', index: 0, echoed: [], peer: 'unix:unnamed-peer' });
  });

  it('-v prints response headers and trailers on stderr', async () => {
    const result = await runCli(['call', '-v', served.target, `${STREAMING}/Act`, '{}']);
    expect(result.code).to.equal(0);
    expect(result.stderr).to.include('< x-header: from-handler\n');
    expect(result.stderr).to.include('< x-trailer: done\n');
  });

  it('a gRPC error: one line ERROR: <CODE>: <details>, exit 64 + code', async () => {
    const result = await runCli(['call', served.target, `${STREAMING}/Act`, '{"failCode": 9, "failDetails": "not now"}']);
    expect(result.stdout.length).to.equal(0);
    expect(result.stderr).to.equal('ERROR: FAILED_PRECONDITION: not now\n');
    expect(result.code).to.equal(64 + 9);
  });

  it('--timeout: DEADLINE_EXCEEDED, exit 68', async () => {
    const started = Date.now();
    const result = await runCli(['call', '--timeout', '300ms', served.target, `${STREAMING}/Act`, '{"hang": true}']);
    expect(result.stderr).to.match(/^ERROR: DEADLINE_EXCEEDED: /);
    expect(result.code).to.equal(68);
    expect(Date.now() - started).to.be.below(10_000);
  });

  it('a streamed error after some responses: the responses, then the error line', async () => {
    const result = await runCli(['call', served.target, `${STREAMING}/Count`, '{"count": 5, "failAfter": 2}']);
    expect(lines(result.stdout)).to.have.length(2);
    expect(result.stderr).to.equal('ERROR: RESOURCE_EXHAUSTED: stopped after 2\n');
    expect(result.code).to.equal(64 + 8);
  });

  it('malformed request JSON: exit 2 naming where, nothing sent', async () => {
    const unknownField = await runCli(['call', served.target, `${STREAMING}/Act`, '{"valu": 1}']);
    expect(unknownField.code).to.equal(2);
    expect(unknownField.stderr).to.equal('vmrpc call: the JSON argument: Action: vmrpc.testing.v1.Action has no field "valu"\n');
    const badLine = await runCli(['call', served.target, `${STREAMING}/Sum`], '{"value": 1}\n{"value": "x"}\n');
    expect(badLine.code).to.equal(2);
    expect(badLine.stderr).to.match(/^vmrpc call: stdin line 2: Action\.value: expected a 64-bit integer/);
    const notJson = await runCli(['call', served.target, `${STREAMING}/Act`], '{');
    expect(notJson.code).to.equal(2);
    expect(notJson.stderr).to.match(/^vmrpc call: stdin: /);
  });

  it('an unknown service: exit 1 naming the services there are, from reflection and --proto alike, for call and list', async () => {
    const listed = 'grpc.reflection.v1.ServerReflection, grpc.reflection.v1alpha.ServerReflection, vmrpc.echo.v1.Echo, vmrpc.testing.v1.Streaming';
    for (const [args, known] of [
      [['call', served.target, 'vmrpc.testing.v1.Nope/Act', '{}'], listed],
      [['list', served.target, 'vmrpc.testing.v1.Nope'], listed],
      [['call', ...PROTO_ARGS, served.target, 'vmrpc.testing.v1.Nope/Act', '{}'], STREAMING],
      [['list', ...PROTO_ARGS, served.target, 'vmrpc.testing.v1.Nope'], STREAMING],
    ] as const) {
      const result = await runCli(args);
      expect(result.stderr).to.equal(`vmrpc ${args[0]}: service vmrpc.testing.v1.Nope not found (known: ${known})\n`);
      expect(result.code).to.equal(1);
    }
  });

  it('an unknown method names the ones that exist', async () => {
    const method = await runCli(['call', served.target, `${STREAMING}/Nope`, '{}']);
    expect(method.code).to.equal(1);
    expect(method.stderr).to.equal(`vmrpc call: service ${STREAMING} has no method Nope (it has: Echo, Act, Count, Sum, Chat, Ping)\n`);
  });

  it('a missing --proto file: exit 1 naming the import paths', async () => {
    const result = await runCli(['call', '--proto', 'nope.proto', '-I', 'protos', served.target, `${STREAMING}/Act`, '{}']);
    expect(result.code).to.equal(1);
    expect(result.stderr).to.match(/^vmrpc call: cannot find nope\.proto on the import paths/);
  });

  it('nothing listening: UNAVAILABLE with ECONNREFUSED and the hint, exit 78', async () => {
    const target = `unix-abstract:vmrpc-test-nobody-${process.pid}`;
    const result = await runCli(['call', target, `${STREAMING}/Act`, '{}']);
    expect(result.stderr).to.equal(`ERROR: UNAVAILABLE: Failed to connect to ${target}: connect ECONNREFUSED ${target} (nothing is listening there)\n`);
    expect(result.code).to.equal(78);
  });

  it('vmrpc list: the services, sorted, the reflection services included', async () => {
    const result = await runCli(['list', served.target]);
    expect(result.code).to.equal(0);
    expect(result.stdout.toString()).to.equal(
      ['grpc.reflection.v1.ServerReflection', 'grpc.reflection.v1alpha.ServerReflection', 'vmrpc.echo.v1.Echo', STREAMING].map((line) => `${line}\n`).join(''),
    );
  });

  it('vmrpc list SERVICE: its methods; --long: their signatures', async () => {
    const short = await runCli(['list', served.target, 'vmrpc.echo.v1.Echo']);
    expect(short.stdout.toString()).to.equal('vmrpc.echo.v1.Echo.Say\nvmrpc.echo.v1.Echo.Repeat\n');
    const long = await runCli(['list', '--long', served.target, STREAMING]);
    expect(long.stdout.toString().split('\n')).to.include.members([
      'rpc Count(vmrpc.testing.v1.CountRequest) returns (stream vmrpc.testing.v1.Outcome)',
      'rpc Sum(stream vmrpc.testing.v1.Action) returns (vmrpc.testing.v1.Outcome)',
      'rpc Chat(stream vmrpc.testing.v1.Action) returns (stream vmrpc.testing.v1.Outcome)',
      'rpc Ping(google.protobuf.Empty) returns (google.protobuf.Empty)',
    ]);
  });

  it('vmrpc list --proto lists what the files define, without asking the server', async () => {
    const result = await runCli(['list', ...PROTO_ARGS, 'unix-abstract:vmrpc-test-unused']);
    expect(result.code).to.equal(0);
    expect(result.stdout.toString()).to.equal(`${STREAMING}\n`);
  });

  describe('servers without reflection, or with v1alpha only', () => {
    it('reflection: false: UNIMPLEMENTED with the hint to pass --proto, exit 76; --proto still works', async () => {
      const bare = await startTestServer({ reflection: false });
      try {
        const list = await runCli(['list', bare.target]);
        expect(list.stderr).to.equal('ERROR: UNIMPLEMENTED: the server does not serve gRPC reflection (grpc.reflection.v1 or v1alpha): pass its .proto files with --proto (and -I)\n');
        expect(list.code).to.equal(76);
        const call = await runCli(['call', ...PROTO_ARGS, bare.target, `${STREAMING}/Act`, '{"value": 5}']);
        expect(call.code).to.equal(0);
        expect(json(call.stdout)).to.deep.include({ value: '5' });
      } finally {
        await bare.server.close(0);
      }
    });

    it('a server with only grpc.reflection.v1alpha: list and call fall back to it', async () => {
      const old = await startTestServer();
      old.server.grpcServer.removeService(ServerReflectionService);
      try {
        const list = await runCli(['list', old.target]);
        expect(list.code).to.equal(0);
        expect(list.stdout.toString()).to.include(`${STREAMING}\n`);
        const call = await runCli(['call', old.target, `${STREAMING}/Act`, '{"value": 6}']);
        expect(json(call.stdout)).to.deep.include({ value: '6' });
      } finally {
        await old.server.close(0);
      }
    });
  });
});
