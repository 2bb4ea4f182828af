// The wire codec of generated messages: every field kind round-trips, 64-bit integers keep every
// bit as bigint, and the bytes on the wire are what a stock protobuf implementation produces.
import * as protoLoader from '@grpc/proto-loader';
import { packAny, timestampFromDate, timestampToDate, unpackAny, durationFromMillis, durationToMillis, isAny } from '@vmrpc/rpc';
import { expect } from 'chai';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Choice, Color, Everything, Maps, Repeated, Scalars, Tree, Tree_Node_Kind, WellKnown } from './generated/vmrpc/testing/v1/types.js';

const PROTO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../protos');

describe('rpc codec', function () {
  it('round-trips every scalar type at its extremes', function () {
    const extremes = {
      doubleValue: -1.7976931348623157e308,
      floatValue: 3.4028234663852886e38,
      int32Value: -2147483648,
      int64Value: -9223372036854775808n,
      uint32Value: 4294967295,
      uint64Value: 18446744073709551615n,
      sint32Value: -2147483648,
      sint64Value: -9223372036854775808n,
      fixed32Value: 4294967295,
      fixed64Value: 18446744073709551615n,
      sfixed32Value: -2147483648,
      sfixed64Value: 9223372036854775807n,
      boolValue: true,
      stringValue: 'héllo \u{1f600} \u0000 end',
      bytesValue: Buffer.from([0, 1, 2, 254, 255]),
    };
    const decoded = Scalars.decode(Scalars.encode(extremes));
    expect(decoded).to.deep.equal({ ...decoded, ...extremes, bytesValue: decoded.bytesValue });
    expect(Buffer.from(decoded.bytesValue).equals(extremes.bytesValue)).to.equal(true);
  });

  it('keeps 64-bit integers exact as bigint (no precision loss above 2^53)', function () {
    const values = [2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n), 1n, -1n, 0n];
    for (const value of values) {
      const decoded = Scalars.decode(Scalars.encode({ int64Value: value, sint64Value: value, sfixed64Value: value }));
      expect([decoded.int64Value, decoded.sint64Value, decoded.sfixed64Value]).to.deep.equal([value, value, value]);
    }
    for (const value of [2n ** 64n - 1n, 2n ** 63n, 2n ** 53n + 1n]) {
      const decoded = Scalars.decode(Scalars.encode({ uint64Value: value, fixed64Value: value }));
      expect([decoded.uint64Value, decoded.fixed64Value]).to.deep.equal([value, value]);
    }
  });

  it('fills defaults for absent fields, and create() does the same', function () {
    const empty = Scalars.decode(Buffer.alloc(0));
    expect(empty.int64Value).to.equal(0n);
    expect(empty.uint64Value).to.equal(0n);
    expect(empty.stringValue).to.equal('');
    expect(empty.boolValue).to.equal(false);
    expect(empty.bytesValue.length).to.equal(0);
    const everything = Everything.create({});
    expect(everything.scalars).to.equal(undefined);
    expect(everything.color).to.equal(Color.COLOR_UNSPECIFIED);
    expect(Repeated.create().int64Values).to.deep.equal([]);
    expect(Maps.create().stringToString).to.deep.equal({});
  });

  it('round-trips repeated fields, packed as proto3 requires (same bytes as proto-loader)', function () {
    const value = {
      int32Values: [1, -1, 300, 2147483647],
      int64Values: [2n ** 60n, -5n],
      doubleValues: [0.5, -0.25],
      boolValues: [true, false, true],
      colors: [Color.COLOR_RED, Color.COLOR_BLUE],
      stringValues: ['a', '', 'c'],
      bytesValues: [Buffer.from('x'), Buffer.alloc(0)],
      messages: [{ int32Value: 1 }, { stringValue: 'two' }],
    };
    const bytes = Repeated.encode(value);
    const decoded = Repeated.decode(bytes);
    expect(decoded.int32Values).to.deep.equal(value.int32Values);
    expect(decoded.int64Values).to.deep.equal(value.int64Values);
    expect(decoded.doubleValues).to.deep.equal(value.doubleValues);
    expect(decoded.boolValues).to.deep.equal(value.boolValues);
    expect(decoded.colors).to.deep.equal(value.colors);
    expect(decoded.stringValues).to.deep.equal(value.stringValues);
    expect(decoded.bytesValues.map((item) => Buffer.from(item).toString())).to.deep.equal(['x', '']);
    expect(decoded.messages.map((item) => [item.int32Value, item.stringValue])).to.deep.equal([[1, ''], [0, 'two']]);
    // Packed int32: field 1, wire type 2 (0x0a), one length, then the varints.
    expect(Buffer.from(Repeated.encode({ int32Values: [1, 2, 3] })).toString('hex')).to.equal('0a03010203');

    const loaded = protoLoader.loadSync('vmrpc/testing/v1/streaming.proto', { includeDirs: [PROTO_ROOT], longs: String });
    const method = (loaded['vmrpc.testing.v1.Streaming'] as protoLoader.ServiceDefinition).Echo!;
    const theirs = method.requestSerialize({ repeated: { int32Values: [1, 2, 3], int64Values: ['5'], stringValues: ['a'] } });
    expect(Buffer.from(Everything.encode({ repeated: { int32Values: [1, 2, 3], int64Values: [5n], stringValues: ['a'] } })).equals(theirs)).to.equal(true);
  });

  it('round-trips maps with string, 32-bit and 64-bit keys and message values', function () {
    const value = {
      stringToString: { a: 'b', '': 'empty key' },
      int32ToInt64: { [-1]: -(2n ** 62n), 7: 7n },
      int64ToString: { '-9223372036854775808': 'min', '9007199254740993': 'above 2^53' },
      uint64ToColor: { '18446744073709551615': Color.COLOR_GREEN },
      stringToMessage: { m: { uint64Value: 2n ** 64n - 1n } },
    };
    const decoded = Maps.decode(Maps.encode(value));
    expect(decoded.stringToString).to.deep.equal(value.stringToString);
    expect(decoded.int32ToInt64).to.deep.equal({ '-1': -(2n ** 62n), '7': 7n });
    expect(decoded.int64ToString).to.deep.equal(value.int64ToString);
    expect(decoded.uint64ToColor).to.deep.equal(value.uint64ToColor);
    expect(decoded.stringToMessage.m!.uint64Value).to.equal(2n ** 64n - 1n);
  });

  it('round-trips each oneof member as a { $case } union, and proto3 optional presence', function () {
    const cases: Choice['value'][] = [
      { $case: 'text', text: 'hi' },
      { $case: 'number', number: -(2n ** 63n) },
      { $case: 'color', color: Color.COLOR_BLUE },
      { $case: 'data', data: Buffer.from([9]) },
    ];
    for (const choice of cases) {
      const decoded = Choice.decode(Choice.encode({ value: choice }));
      expect(decoded.value).to.deep.equal(choice);
    }
    const message = Choice.decode(Choice.encode({ value: { $case: 'message', message: { int32Value: 5 } } }));
    expect(message.value?.$case).to.equal('message');
    if (message.value?.$case === 'message') expect(message.value.message.int32Value).to.equal(5);
    // A member set to its default is still the chosen member.
    expect(Choice.decode(Choice.encode({ value: { $case: 'text', text: '' } })).value).to.deep.equal({ $case: 'text', text: '' });
    expect(Choice.decode(Choice.encode({})).value).to.equal(undefined);

    const absent = Choice.decode(Choice.encode({ plain: 'p' }));
    expect('maybe' in absent).to.equal(false);
    expect(absent.maybeText).to.equal(undefined);
    const zero = Choice.decode(Choice.encode({ maybe: 0, maybeText: '' }));
    expect(zero.maybe).to.equal(0);
    expect(zero.maybeText).to.equal('');
  });

  it('round-trips nested messages and nested enums, recursively', function () {
    const tree = {
      root: {
        name: 'root',
        kind: Tree_Node_Kind.KIND_BRANCH,
        children: [{ name: 'a', kind: Tree_Node_Kind.KIND_LEAF }, { name: 'b', kind: Tree_Node_Kind.KIND_BRANCH, children: [{ name: 'c' }] }],
      },
    };
    const decoded = Tree.decode(Tree.encode(tree));
    expect(decoded.root!.children[1]!.children[0]!.name).to.equal('c');
    expect(decoded.root!.children[0]!.kind).to.equal(Tree_Node_Kind.KIND_LEAF);
    expect(decoded.root!.children[1]!.children[0]!.kind).to.equal(Tree_Node_Kind.KIND_UNSPECIFIED);
  });

  it('keeps unknown enum values as their numbers', function () {
    const decoded = Everything.decode(Everything.encode({ color: 99 as Color, repeated: { colors: [1, 42 as Color] } }));
    expect(decoded.color).to.equal(99);
    expect(decoded.repeated!.colors).to.deep.equal([Color.COLOR_RED, 42]);
  });

  it('round-trips Timestamp and Duration to the nanosecond, with Date and millisecond helpers', function () {
    const value: Partial<WellKnown> = {
      timestamp: { seconds: 1_700_000_000n, nanos: 123_456_789 },
      duration: { seconds: -3n, nanos: -500_000_000 },
    };
    const decoded = WellKnown.decode(WellKnown.encode(value));
    expect(decoded.timestamp).to.deep.equal(value.timestamp);
    expect(decoded.duration).to.deep.equal(value.duration);
    const date = new Date('2024-02-29T12:34:56.789Z');
    expect(timestampToDate(timestampFromDate(date)).getTime()).to.equal(date.getTime());
    expect(timestampFromDate(new Date(-1))).to.deep.equal({ seconds: -1n, nanos: 999_000_000 });
    expect(durationToMillis(durationFromMillis(1500.5))).to.equal(1500.5);
  });

  it('round-trips Struct, Value and ListValue as JSON', function () {
    const struct = { name: 'vm', cpus: 4, on: true, nothing: null, tags: ['a', 1, false, null, { deep: [[]] }], nested: { x: -0.5 } };
    const decoded = WellKnown.decode(WellKnown.encode({ struct, value: ['mixed', 2], list: [1, 'two', null] }));
    expect(decoded.struct).to.deep.equal(struct);
    expect(decoded.value).to.deep.equal(['mixed', 2]);
    expect(decoded.list).to.deep.equal([1, 'two', null]);
    expect(WellKnown.decode(WellKnown.encode({ value: null })).value).to.equal(null);
    expect(WellKnown.decode(WellKnown.encode({})).value).to.equal(undefined);
  });

  it('round-trips Any and wrapper types', function () {
    const any = packAny(Scalars, { int64Value: 2n ** 62n, stringValue: 'packed' });
    expect(any.typeUrl).to.equal('type.googleapis.com/vmrpc.testing.v1.Scalars');
    const decoded = WellKnown.decode(WellKnown.encode({ any, wrappedInt64: { value: -(2n ** 63n) }, wrappedString: { value: '' } }));
    expect(isAny(Scalars, decoded.any!)).to.equal(true);
    expect(isAny(Tree, decoded.any!)).to.equal(false);
    const unpacked = unpackAny(Scalars, decoded.any!);
    expect([unpacked.int64Value, unpacked.stringValue]).to.deep.equal([2n ** 62n, 'packed']);
    expect(() => unpackAny(Tree, decoded.any!)).to.throw(TypeError);
    expect(decoded.wrappedInt64).to.deep.equal({ value: -(2n ** 63n) });
    expect(decoded.wrappedString).to.deep.equal({ value: '' });
  });

  it('round-trips one message holding everything', function () {
    const value = {
      scalars: { int64Value: 1n, stringValue: 's' },
      maps: { int64ToString: { '1': 'one' } },
      choice: { value: { $case: 'number' as const, number: 5n }, maybe: 3 },
      wellKnown: { timestamp: { seconds: 5n, nanos: 6 }, struct: { a: [1] } },
      color: Color.COLOR_GREEN,
      kind: Tree_Node_Kind.KIND_LEAF,
    };
    const decoded = Everything.decode(Everything.encode(value));
    expect(decoded.scalars!.int64Value).to.equal(1n);
    expect(decoded.maps!.int64ToString).to.deep.equal({ '1': 'one' });
    expect(decoded.choice!.value).to.deep.equal({ $case: 'number', number: 5n });
    expect(decoded.choice!.maybe).to.equal(3);
    expect(decoded.wellKnown!.timestamp).to.deep.equal({ seconds: 5n, nanos: 6 });
    expect(decoded.wellKnown!.struct).to.deep.equal({ a: [1] });
    expect([decoded.color, decoded.kind]).to.deep.equal([Color.COLOR_GREEN, Tree_Node_Kind.KIND_LEAF]);
  });

  it('rejects malformed input', function () {
    expect(() => Scalars.decode(Buffer.from([0x0a, 0x05, 0x01]))).to.throw();
  });

  it('refuses a map or Struct key "__proto__" on encode, naming the field, instead of dropping it', function () {
    // JSON.parse makes "__proto__" an own key, as user data (labels, JSON documents) would.
    const map = JSON.parse('{"__proto__": "x", "a": "b"}') as Record<string, string>;
    expect(() => Maps.encode({ stringToString: map })).to.throw(TypeError, /^vmrpc\.testing\.v1\.Maps\.stringToString: the map key "__proto__" cannot be carried/);
    const struct = JSON.parse('{"nested": {"__proto__": 1}}') as Record<string, unknown>;
    expect(() => WellKnown.encode({ struct: struct as never })).to.throw(TypeError, /^google\.protobuf\.Struct: the map key "__proto__"/);
    // Any other key, "constructor" included, is an ordinary entry.
    const ordinary = { constructor: 'c', toString: 't' } as unknown as Record<string, string>;
    expect(Maps.decode(Maps.encode({ stringToString: ordinary })).stringToString).to.deep.equal({ constructor: 'c', toString: 't' });
  });
});
