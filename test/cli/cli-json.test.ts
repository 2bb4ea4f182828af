// vmrpc call's JSON at its edges: values beyond a type's range, open enums, names that are also
// Object.prototype members, and what it prints (against the real test server over a Unix socket).
import { expect } from 'chai';
import { runCli, startCli } from './run-cli.js';
import { useTestServer } from './grpc-server.js';
import { bytesField, rawBidiServer, rawServer, varintField } from './raw-server.js';

const STREAMING = 'vmrpc.testing.v1.Streaming';
const PROTO_ARGS = ['--proto', 'vmrpc/testing/v1/streaming.proto', '-I', 'protos'];
const COLORS = 'COLOR_UNSPECIFIED, COLOR_RED, COLOR_GREEN, COLOR_BLUE';

describe('vmrpc call: JSON edges', function () {
  this.timeout(30_000);
  const served = useTestServer();

  describe('64-bit integers beyond their range: usage error, exit 2, nothing sent', () => {
    for (const [field, value, range] of [
      ['value', '99999999999999999999', '-9223372036854775808 to 9223372036854775807 (int64)'],
      ['value', '9223372036854775808', '-9223372036854775808 to 9223372036854775807 (int64)'],
      ['value', '-9223372036854775809', '-9223372036854775808 to 9223372036854775807 (int64)'],
    ] as const) {
      it(`Action.${field} = ${value}`, async () => {
        const result = await runCli(['call', served.target, `${STREAMING}/Act`, JSON.stringify({ [field]: value })]);
        expect(result.stderr).to.equal(`vmrpc call: the JSON argument: Action.${field}: expected a 64-bit integer from ${range}, got "${value}"\n`);
        expect(result.code).to.equal(2);
        expect(result.stdout.length).to.equal(0);
      });
    }

    it('a uint64 of 2^64, and a negative one', async () => {
      for (const value of ['18446744073709551616', '-1']) {
        const result = await runCli(['call', served.target, `${STREAMING}/Echo`, JSON.stringify({ scalars: { uint64Value: value } })]);
        expect(result.stderr).to.equal(`vmrpc call: the JSON argument: Everything.scalars.uint64Value: expected a 64-bit integer from 0 to 18446744073709551615 (uint64), got "${value}"\n`);
        expect(result.code).to.equal(2);
      }
    });

    it('the ends of the ranges still go through exactly', async () => {
      const json = { scalars: { int64Value: '-9223372036854775808', uint64Value: '18446744073709551615', sint64Value: '9223372036854775807' } };
      const result = await runCli(['call', served.target, `${STREAMING}/Echo`, JSON.stringify(json)]);
      expect(result.stderr).to.equal('');
      expect(JSON.parse(result.stdout.toString())).to.deep.equal(json);
    });
  });

  for (const [schema, extra] of [['reflection', []], ['--proto', PROTO_ARGS]] as const) {
    describe(`enums, map keys, oneofs, method names (schema from ${schema})`, () => {
      const echo = (json: unknown): Promise<{ code: number | null; stdout: Buffer; stderr: string }> => runCli(['call', ...extra, served.target, `${STREAMING}/Echo`, JSON.stringify(json)]);

      it('an open (proto3) enum takes numbers it does not name, and they come back as numbers', async () => {
        const json = { repeated: { colors: [7, 'COLOR_RED', -1] }, color: 7, choice: { color: 99 } };
        const result = await echo(json);
        expect(result.stderr).to.equal('');
        expect(result.code).to.equal(0);
        expect(JSON.parse(result.stdout.toString())).to.deep.equal({ repeated: { colors: [7, 'COLOR_RED', -1] }, color: 7, choice: { color: 99 } });
      });

      it('enum names that are Object.prototype members, and numbers beyond int32, are refused (exit 2)', async () => {
        for (const [value, shown] of [['toString', '"toString"'], ['constructor', '"constructor"'], [2 ** 31, '2147483648'], [1.5, '1.5']] as const) {
          const result = await echo({ color: value });
          expect(result.stderr).to.equal(`vmrpc call: the JSON argument: Everything.color: expected one of ${COLORS} (or an int32 number), got ${shown}\n`);
          expect(result.code).to.equal(2);
        }
      });

      it('map keys are checked against the key type', async () => {
        const cases: Array<[unknown, string]> = [
          [{ int32ToInt64: { x: '1' } }, 'Everything.maps.int32ToInt64.x: expected an integer map key (int32), got "x"'],
          [{ int32ToInt64: { '2147483648': '1' } }, 'Everything.maps.int32ToInt64.2147483648: expected a int32, got "2147483648"'],
          [{ uint64ToColor: { '18446744073709551616': 'COLOR_RED' } }, 'Everything.maps.uint64ToColor.18446744073709551616: expected a 64-bit integer from 0 to 18446744073709551615 (uint64), got "18446744073709551616"'],
        ];
        for (const [maps, message] of cases) {
          const result = await echo({ maps });
          expect(result.stderr).to.equal(`vmrpc call: the JSON argument: ${message}\n`);
          expect(result.code).to.equal(2);
        }
      });

      it('two members of one oneof are refused (exit 2)', async () => {
        const result = await echo({ choice: { text: 'a', number: '1' } });
        expect(result.stderr).to.equal('vmrpc call: the JSON argument: Everything.choice: "text" and "number" are members of oneof value: set one\n');
        expect(result.code).to.equal(2);
      });

      it('method names toString and constructor: no such method, exit 1, naming the ones there are', async () => {
        for (const name of ['toString', 'constructor', 'hasOwnProperty']) {
          const result = await runCli(['call', ...extra, served.target, `${STREAMING}/${name}`, '{}']);
          expect(result.stderr).to.equal(`vmrpc call: service ${STREAMING} has no method ${name} (it has: Echo, Act, Count, Sum, Chat, Ping)\n`);
          expect(result.code).to.equal(1);
        }
      });
    });
  }

  describe('fields named like Object.prototype members (keywords.proto, a server recording the request bytes)', () => {
    const KEYWORDS_ARGS = ['--proto', 'keywords/v1/keywords-service.proto', '-I', 'test/cli/fixtures', '-I', 'test/rpc/protos'];
    const send = async (json: unknown, response: Buffer = Buffer.alloc(0)): Promise<{ result: { code: number | null; stdout: Buffer; stderr: string }; request: string }> => {
      const raw = await rawServer('/keywords.v1.Edge/Send', response);
      try {
        const result = await runCli(['call', ...KEYWORDS_ARGS, raw.target, 'keywords.v1.Edge/Send', JSON.stringify(json)]);
        return { result, request: Buffer.concat(raw.requests).toString('hex') };
      } finally {
        raw.close();
      }
    };

    it('a left-out field is not read from Object.prototype: {"x": 1} is sent as x alone', async () => {
      const { result, request } = await send({ x: 1 }, varintField(3, 1));
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(request).to.equal('1801');
      expect(JSON.parse(result.stdout.toString())).to.deep.equal({ x: 1 });
    });

    it('every such field set goes through exactly, nested and oneof ones included', async () => {
      const json = { constructor: true, valueOf: { s: 'v' }, x: 2, toString: ['a'], hasOwnProperty: 'h', isPrototypeOf: 'i', propertyIsEnumerable: 5 };
      const expected = Buffer.concat([varintField(1, 1), bytesField(2, bytesField(1, 'v')), varintField(3, 2), bytesField(4, 'a'), bytesField(5, 'h'), bytesField(6, 'i'), varintField(8, 5)]);
      const { result, request } = await send(json, expected);
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(request).to.equal(expected.toString('hex'));
      expect(JSON.parse(result.stdout.toString())).to.deep.equal(json);
    });

    it('of two members of one oneof on the wire, the last one is printed, and only it', async () => {
      const inner = bytesField(3, bytesField(1, 'i'));
      for (const [wire, printed] of [
        [Buffer.concat([bytesField(1, 'a'), varintField(2, 5), bytesField(1, 'c')]), { text: 'c' }],
        [Buffer.concat([bytesField(1, 'a'), varintField(2, 5)]), { number: 5 }],
        [Buffer.concat([varintField(2, 5), bytesField(1, 'a')]), { text: 'a' }],
        [Buffer.concat([inner, varintField(2, 0), bytesField(1, '')]), { text: '' }],
        [Buffer.concat([varintField(2, 5), bytesField(1, 'a'), inner]), { inner: { s: 'i' } }],
      ] as const) {
        const raw = await rawServer('/keywords.v1.Edge/Pick', wire);
        try {
          const result = await runCli(['call', ...KEYWORDS_ARGS, raw.target, 'keywords.v1.Edge/Pick', '{}']);
          expect(result.stderr, wire.toString('hex')).to.equal('');
          expect(result.code).to.equal(0);
          expect(JSON.parse(result.stdout.toString()), wire.toString('hex')).to.deep.equal(printed);
        } finally {
          raw.close();
        }
      }
    });

    it('a request of a type the call already printed a response of keeps its oneof member (a bidi call)', async () => {
      // The first response's decode made Pick record its last oneof member apart from its fields;
      // the second request, a Pick too, must still carry its member.
      const raw = await rawBidiServer('/keywords.v1.Edge/Picks', bytesField(1, 'r'));
      try {
        const cli = startCli(['call', ...KEYWORDS_ARGS, raw.target, 'keywords.v1.Edge/Picks']);
        cli.child.stdin!.write('{"number": 5}\n');
        await cli.stdoutIncludes('"r"');
        cli.child.stdin!.end('{"text": "b"}\n');
        const result = await cli.done;
        expect(result.stderr).to.equal('');
        expect(result.code).to.equal(0);
        expect(raw.requests.map((request) => request.toString('hex'))).to.deep.equal([varintField(2, 5).toString('hex'), bytesField(1, 'b').toString('hex')]);
      } finally {
        raw.close();
      }
    });

    it('an empty request is empty on the wire', async () => {
      const { result, request } = await send({});
      expect(result.code).to.equal(0);
      expect(request).to.equal('');
      expect(JSON.parse(result.stdout.toString())).to.deep.equal({});
    });
  });

  describe('google.protobuf.Value with two kinds on the wire (a server answering raw bytes)', () => {
    it('the last kind is printed, and only it', async () => {
      // Everything.well_known (6) = WellKnown with value (4): number_value (2, a double) = 2 and
      // string_value (3) = "a", in both orders.
      const number = Buffer.concat([Buffer.from([0x11]), Buffer.from('0000000000000040', 'hex')]);
      const text = bytesField(3, 'a');
      for (const [kinds, printed] of [
        [[number, text], 'a'],
        [[text, number], 2],
      ] as const) {
        const raw = await rawServer(`/${STREAMING}/Echo`, bytesField(6, bytesField(4, Buffer.concat(kinds))));
        try {
          const result = await runCli(['call', ...PROTO_ARGS, raw.target, `${STREAMING}/Echo`, '{}']);
          expect(result.stderr).to.equal('');
          expect(JSON.parse(result.stdout.toString())).to.deep.equal({ wellKnown: { value: printed } });
        } finally {
          raw.close();
        }
      }
    });
  });

  describe('Timestamp and Duration beyond their ranges (a server answering raw bytes)', () => {
    // Everything.well_known (6) = WellKnown with timestamp (1) and duration (2).
    const everything = (timestamp: Buffer, duration: Buffer): Buffer => bytesField(6, Buffer.concat([bytesField(1, timestamp), bytesField(2, duration)]));
    const call = async (response: Buffer): Promise<{ code: number | null; stdout: Buffer; stderr: string }> => {
      const raw = await rawServer(`/${STREAMING}/Echo`, response);
      try {
        return await runCli(['call', ...PROTO_ARGS, raw.target, `${STREAMING}/Echo`, '{}']);
      } finally {
        raw.close();
      }
    };

    it('the ends of the ranges print in their JSON forms', async () => {
      const result = await call(everything(Buffer.concat([varintField(1, 253402300799n), varintField(2, 999999999)]), varintField(1, -315576000000n)));
      expect(result.stderr).to.equal('');
      expect(JSON.parse(result.stdout.toString())).to.deep.equal({ wellKnown: { timestamp: '9999-12-31T23:59:59.999999999Z', duration: '-315576000000s' } });
      const first = await call(everything(varintField(1, -62135596800n), varintField(1, 315576000000n)));
      expect(JSON.parse(first.stdout.toString())).to.deep.equal({ wellKnown: { timestamp: '0001-01-01T00:00:00Z', duration: '315576000000s' } });
    });

    it('beyond them: the fields as for any message, every digit kept, exit 0', async () => {
      for (const [timestamp, duration, printed] of [
        [varintField(1, 253402300800n), varintField(1, 315576000001n), { timestamp: { seconds: '253402300800' }, duration: { seconds: '315576000001' } }],
        [Buffer.concat([varintField(1, 9000000000000n), varintField(2, 5)]), Buffer.concat([varintField(1, 1n), varintField(2, -1)]), { timestamp: { seconds: '9000000000000', nanos: 5 }, duration: { seconds: '1', nanos: -1 } }],
        [varintField(1, -62135596801n), varintField(2, 1000000000), { timestamp: { seconds: '-62135596801' }, duration: { nanos: 1000000000 } }],
      ] as const) {
        const result = await call(everything(timestamp, duration));
        expect(result.stderr).to.equal('');
        expect(result.code).to.equal(0);
        expect(JSON.parse(result.stdout.toString())).to.deep.equal({ wellKnown: printed });
      }
    });

    it('a Timestamp outside 0001..9999 in a request is a usage error (exit 2)', async () => {
      const result = await runCli(['call', served.target, `${STREAMING}/Echo`, '{"wellKnown": {"timestamp": "0000-12-31T23:59:59Z"}}']);
      expect(result.stderr).to.equal('vmrpc call: the JSON argument: Everything.wellKnown.timestamp: expected an RFC 3339 time from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z such as 2024-01-02T03:04:05Z, got "0000-12-31T23:59:59Z"\n');
      expect(result.code).to.equal(2);
    });
  });

  describe('proto2: presence, defaults, closed enums, required fields (--proto, a server answering raw bytes)', () => {
    const LEGACY_ARGS = ['--proto', 'legacy/v1/legacy.proto', '-I', 'test/cli/fixtures'];
    const GET = '/legacy.v1.Old/Get';
    const get = async (response: Buffer, ...options: string[]): Promise<{ code: number | null; stdout: Buffer; stderr: string }> => {
      const raw = await rawServer(GET, response);
      try {
        return await runCli(['call', ...LEGACY_ARGS, ...options, raw.target, GET, '{"id": "q"}']);
      } finally {
        raw.close();
      }
    };

    it('prints the fields that are present, a present 0 included, and no default of an unset field', async () => {
      // id = "r", count = 0 (present), flag = false (present); label, kind, big unset.
      const result = await get(Buffer.concat([bytesField(1, 'r'), varintField(2, 0), varintField(5, 0)]));
      expect(result.stderr).to.equal('');
      expect(result.code).to.equal(0);
      expect(JSON.parse(result.stdout.toString())).to.deep.equal({ id: 'r', count: 0, flag: false });
    });

    it('--emit-defaults: unset fields with their declared defaults', async () => {
      const result = await get(bytesField(1, 'r'), '--emit-defaults');
      expect(result.stderr).to.equal('');
      expect(JSON.parse(result.stdout.toString())).to.deep.equal({ id: 'r', count: 42, label: 'none', kind: 'KIND_B', flag: false, big: '-5', items: [], part: null });
    });

    it('a closed enum takes only its numbers; a required field left out is named (exit 2)', async () => {
      const raw = await rawServer(GET, bytesField(1, 'r'));
      try {
        const call = (json: string): Promise<{ code: number | null; stderr: string }> => runCli(['call', ...LEGACY_ARGS, raw.target, GET, json]);
        expect((await call('{"id": "q", "kind": 1}')).code).to.equal(0);
        const unnamed = await call('{"id": "q", "kind": 7}');
        expect(unnamed.stderr).to.equal('vmrpc call: the JSON argument: Legacy.kind: expected one of KIND_A, KIND_B, got 7\n');
        expect(unnamed.code).to.equal(2);
        const missing = await call('{"part": {"name": "p"}}');
        expect(missing.stderr).to.equal('vmrpc call: the JSON argument: Legacy: the required field "id" is missing\n');
        expect(missing.code).to.equal(2);
      } finally {
        raw.close();
      }
    });
  });
});
