// The compiled encoder against protobufjs's own `Type.encode`, byte for byte: random messages of
// every type in the project's test protos (proto3 and proto2: packed and unpacked repeated fields,
// maps of every key kind, oneofs, groups, enums with unknown values, 64-bit values as numbers and
// as { low, high }, base64 text for bytes, nesting), shaped as the converter's toWire shapes them
// (for protobufjs, maps as objects; for the encoder, as key/value arrays).
// Then what it does on purpose unlike protobufjs: map keys parsed (and refused) by their type,
// lone surrogates as U+FFFD, a depth limit, and a message that changes while it is encoded.
import { expect } from 'chai';
import * as path from 'node:path';
import { Everything, Maps, Scalars, Tree } from './generated/vmrpc/testing/v1/types.js';
import { distOfRpc, encoderShape, loadTypes, random, randomMessage, randomValue, rpcRequire } from './codec-random.js';

const { encodeMessage, encoderFor } = rpcRequire(path.join(distOfRpc, 'codec/encode.js')) as typeof import('../../packages/rpc/dist/codec/encode.js');

describe('rpc codec: the compiled encoder', function () {
  it('writes the bytes protobufjs writes, for random messages of every test type', function () {
    const types = loadTypes();
    expect(types.length).to.be.greaterThan(20);
    let compared = 0;
    for (const type of types) {
      const encoder = encoderFor(type);
      for (let seed = 1; seed <= 150; seed++) {
        const next = random(seed * 7919 + type.fullName.length);
        const message = randomMessage(next, type, 0);
        // required fields are present in every message the converter hands on.
        for (const field of type.fieldsArray) if (field.required && message[field.name] == null) message[field.name] = randomValue(next, field, 3);
        const expected = Buffer.from(type.encode(message).finish());
        const actual = encodeMessage(encoder, encoderShape(type, message), 0);
        if (!actual.equals(expected)) {
          expect.fail(`${type.fullName} seed ${seed}: ${actual.toString('hex')} != protobufjs ${expected.toString('hex')} for ${JSON.stringify(message, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v))}`);
        }
        compared++;
      }
    }
    expect(compared).to.equal(types.length * 150);
  });

  it('leaves room in front when asked, and writes an empty message as no bytes', function () {
    const framed = Scalars.encode({ int32Value: 1 });
    const type = loadTypes().find((t) => t.fullName === '.vmrpc.testing.v1.Scalars')!;
    const withRoom = encodeMessage(encoderFor(type), { int32Value: 1 }, 5);
    expect(withRoom.length).to.equal(5 + framed.length);
    expect(withRoom.subarray(5).equals(framed)).to.equal(true);
    expect(Scalars.encode({}).length).to.equal(0);
  });

  it('sends map keys by their type: "false" as false, and refuses keys that are not of the type, naming the field', function () {
    const decoded = Maps.decode(Maps.encode({ int32ToInt64: { '-5': 7n, 2147483647: 1n }, uint64ToColor: { '18446744073709551615': 1 } }));
    expect(decoded.int32ToInt64).to.deep.equal({ '-5': 7n, 2147483647: 1n });
    expect(decoded.uint64ToColor).to.deep.equal({ '18446744073709551615': 1 });
    expect(() => Maps.encode({ int32ToInt64: { abc: 1n } as Record<string, bigint> })).to.throw(TypeError, 'vmrpc.testing.v1.Maps.int32ToInt64: the map key "abc" is not an integer; int32 keys are decimal integers');
    expect(() => Maps.encode({ int32ToInt64: { 2147483648: 1n } })).to.throw(RangeError, 'vmrpc.testing.v1.Maps.int32ToInt64: the map key 2147483648 is out of range for int32');
    expect(() => Maps.encode({ int64ToString: { '1.5': 'x' } })).to.throw(TypeError, 'not an integer');
    expect(() => Maps.encode({ uint64ToColor: { '-1': 1 } })).to.throw(RangeError, 'out of range for uint64');
  });

  it('encodes a lone surrogate as U+FFFD (valid UTF-8), in short and long strings alike', function () {
    for (const text of ['a\ud800b', `${'x'.repeat(50)}\udc00`]) {
      const decoded = Scalars.decode(Scalars.encode({ stringValue: text }));
      expect(decoded.stringValue).to.equal(text.replace(/[\ud800-\udfff]/g, '\ufffd'));
    }
  });

  it('refuses a message nested more than 100 deep with a RangeError naming the type', function () {
    let node: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 101; i++) node = { name: String(i), children: [node] };
    expect(() => Tree.encode({ root: node })).to.throw(RangeError, 'vmrpc.testing.v1.Tree.Node: messages nested more than 100 deep cannot be encoded');
    let shallow: Record<string, unknown> = { name: 'leaf' };
    for (let i = 0; i < 90; i++) shallow = { name: String(i), children: [shallow] };
    expect(Tree.decode(Tree.encode({ root: shallow })).root?.name).to.equal('89');
  });

  it('refuses to send a message whose value changed between its size and its bytes', function () {
    let reads = 0;
    // A Long-like 64-bit value whose getter answers differently each time it is read.
    const shifty = { get low() { return reads++ === 0 ? 1 : 1 << 30; }, high: 0, unsigned: false };
    expect(() => Everything.encode({ scalars: { int64Value: shifty as unknown as bigint } })).to.throw(Error, 'a value of it changed while it was encoded');
  });
});
