// The compiled decoder against protobufjs's own decoding (codec-oracle.ts: `Type.decode` and
// toObject, with vmrpc's conventions applied): the same values for random messages of every test type. Then
// the malformed input it must refuse with a RangeError naming the type (and never anything else,
// for random damage), and what it does on purpose: fields always present come first, an absent
// bytes field is an empty Buffer, "__proto__" is an ordinary map key, unknown fields and groups
// are skipped, packed and unpacked repeated fields are both read, the last oneof member wins.
import { expect } from 'chai';
import * as path from 'node:path';
import { Legacy } from './generated/vmrpc/legacy/v1/legacy.js';
import { Choice, Everything, Maps, Repeated, Scalars, Tree } from './generated/vmrpc/testing/v1/types.js';
import { expectedValue } from './codec-oracle.js';
import { distOfRpc, loadTypes, random, randomMessage, randomValue, rpcRequire, type Wire } from './codec-random.js';

const { decodeMessage, decoderFor } = rpcRequire(path.join(distOfRpc, 'codec/decode.js')) as typeof import('../../packages/rpc/dist/codec/decode.js');

/** Bytes of any kind as hex, so that values compare by content. */
function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array || (Array.isArray(value) && Object.isFrozen(value) && value.length === 0)) return `bytes:${Buffer.from(value as Uint8Array).toString('hex')}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, comparable(item)]));
  return value;
}

const withSeed = (seed: number, typeName: string): (() => number) => random(seed * 104729 + typeName.length);

describe('rpc codec: the compiled decoder', function () {
  const types = loadTypes();

  it('gives the values protobufjs and the converter gave, for random messages of every test type', function () {
    let compared = 0;
    for (const type of types) {
      const decoder = decoderFor(type);
      for (let seed = 1; seed <= 150; seed++) {
        const next = withSeed(seed, type.fullName);
        const message = randomMessage(next, type, 0);
        for (const field of type.fieldsArray) if (field.required && message[field.name] == null) message[field.name] = randomValue(next, field, 3);
        const bytes = Buffer.from(type.encode(message).finish());
        const expected = expectedValue(type, bytes);
        const actual = decodeMessage(decoder, bytes);
        try {
          expect(comparable(actual)).to.deep.equal(comparable(expected));
        } catch (error) {
          throw new Error(`${type.fullName} seed ${seed} (${bytes.toString('hex')}): ${(error as Error).message}`);
        }
        compared++;
      }
    }
    expect(compared).to.equal(types.length * 150);
  });

  it('refuses damaged input with a RangeError naming the type, or reads what is left, never anything else', function () {
    let refused = 0;
    for (const type of types) {
      const decoder = decoderFor(type);
      const name = type.fullName.slice(1);
      for (let seed = 1; seed <= 60; seed++) {
        const next = withSeed(seed, name);
        const message = randomMessage(next, type, 0);
        for (const field of type.fieldsArray) if (field.required && message[field.name] == null) message[field.name] = randomValue(next, field, 3);
        const bytes = Buffer.from(type.encode(message).finish());
        if (bytes.length === 0) continue;
        // Cut short, one byte changed, or garbage appended.
        const damaged = [bytes.subarray(0, Math.floor(next() * bytes.length)), Buffer.from(bytes), Buffer.concat([bytes, Buffer.from([Math.floor(next() * 256), 0xff, 0xff])])];
        damaged[1]![Math.floor(next() * bytes.length)] = Math.floor(next() * 256);
        for (const input of damaged) {
          try {
            decodeMessage(decoder, input);
          } catch (error) {
            expect(error, `${name} seed ${seed}: ${input.toString('hex')}`).to.be.instanceOf(RangeError);
            expect((error as Error).message).to.match(new RegExp(`^${name.replace(/\./g, '\\.')}|^google\\.protobuf\\.|^vmrpc\\.`));
            refused++;
          }
        }
      }
    }
    expect(refused).to.be.greaterThan(100);
  });

  it('names the type, the fault and the byte of malformed input', function () {
    expect(() => Scalars.decode(Buffer.from([0x0a, 0x05, 0x01]))).to.throw(RangeError, 'vmrpc.testing.v1.Scalars: malformed message: a field runs past the end of its message (3) at byte 2');
    expect(() => Scalars.decode(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).to.throw(RangeError, 'a varint longer than 10 bytes');
    expect(() => Scalars.decode(Buffer.from([0x0f, 0x00]))).to.throw(RangeError, 'the invalid wire type 7 (field 1)');
    expect(() => Scalars.decode(Buffer.from([0x00, 0x00]))).to.throw(RangeError, 'a field numbered 0');
    expect(() => Scalars.decode(Buffer.from([0xfc, 0x07]))).to.throw(RangeError, 'an end-group tag of field 127 without its start');
    expect(() => Legacy.decode(Buffer.from('1001', 'hex'))).to.throw(RangeError, 'vmrpc.legacy.v1.Legacy: malformed message: the proto2 required field id is missing');
  });

  it('refuses a message nested more than 100 deep, naming the type', function () {
    // Tree.root (1) -> Node.children (3) -> ... each a length-delimited message.
    let inner = Buffer.alloc(0);
    for (let i = 0; i < 101; i++) inner = Buffer.concat([Buffer.from([0x1a, ...varint(inner.length)]), inner]);
    const bytes = Buffer.concat([Buffer.from([0x0a, ...varint(inner.length)]), inner]);
    expect(() => Tree.decode(bytes)).to.throw(RangeError, 'vmrpc.testing.v1.Tree.Node: messages nested more than 100 deep cannot be decoded');
  });

  it('puts the fields always present first, in their order, then the ones that came', function () {
    const decoded = Choice.decode(Choice.encode({ maybe: 0, value: { $case: 'text', text: 'x' }, plain: 'p' }));
    expect(Object.keys(decoded)).to.deep.equal(['plain', 'value', 'maybe']);
    expect(decoded).to.deep.equal({ plain: 'p', maybe: 0, value: { $case: 'text', text: 'x' } });
    expect(Object.keys(Choice.decode(Buffer.alloc(0)))).to.deep.equal(['plain']);
  });

  it('gives an absent bytes field as an empty Buffer, as the type says (not an array)', function () {
    const decoded = Scalars.decode(Buffer.alloc(0));
    expect(decoded.bytesValue).to.be.instanceOf(Uint8Array);
    expect(decoded.bytesValue.length).to.equal(0);
  });

  it('reads "__proto__" as an ordinary map key, an own property, with the prototype untouched', function () {
    // Maps.string_to_string (1): entry { key "__proto__", value "x" }, written by hand (the encoder refuses the key).
    const entry = Buffer.concat([Buffer.from([0x0a, 9]), Buffer.from('__proto__'), Buffer.from([0x12, 1, 0x78])]);
    const decoded = Maps.decode(Buffer.concat([Buffer.from([0x0a, entry.length]), entry]));
    expect(Object.getPrototypeOf(decoded.stringToString)).to.equal(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(decoded.stringToString, '__proto__')?.value).to.equal('x');
  });

  it('skips unknown fields of every wire type, unknown groups included', function () {
    const known = Scalars.encode({ int32Value: 5, stringValue: 's' });
    // Field 99 as varint, fixed64, length-delimited, a group holding a varint of field 100, and fixed32.
    const tag = (field: number, wireType: number): number[] => varint((field << 3) | wireType);
    const unknown = Buffer.from([
      ...tag(99, 0), 0x7f,
      ...tag(99, 1), 1, 2, 3, 4, 5, 6, 7, 8,
      ...tag(99, 2), 2, 0xaa, 0xbb,
      ...tag(99, 3), ...tag(100, 0), 1, ...tag(99, 4),
      ...tag(99, 5), 1, 2, 3, 4,
    ]);
    const decoded = Scalars.decode(Buffer.concat([unknown, known]));
    expect([decoded.int32Value, decoded.stringValue]).to.deep.equal([5, 's']);
  });

  it('reads repeated scalars packed and unpacked, and the last member of a oneof', function () {
    // Repeated.int32_values (1): unpacked 1, packed [2, 3], unpacked 4.
    expect(Repeated.decode(Buffer.from('0801' + '0a020203' + '0804', 'hex')).int32Values).to.deep.equal([1, 2, 3, 4]);
    // Choice: text "a", then number 7, then text "b".
    expect(Choice.decode(Buffer.from('0a0161' + '1007' + '0a0162', 'hex')).value).to.deep.equal({ $case: 'text', text: 'b' });
    expect(Choice.decode(Buffer.from('0a0161' + '1007', 'hex')).value).to.deep.equal({ $case: 'number', number: 7n });
  });

  it('gives a map entry without its key or value their defaults', function () {
    // Maps.int32_to_int64 (2): an entry with key 5 only, and one with value 7 only.
    expect(Maps.decode(Buffer.from('12020805' + '12021007', 'hex')).int32ToInt64).to.deep.equal({ 5: 0n, 0: 7n });
    // Maps.string_to_message (5): an entry with key "k" only: the value is a default Scalars.
    const decoded = Maps.decode(Buffer.from('2a030a016b', 'hex'));
    expect(decoded.stringToMessage).to.deep.equal({ k: Scalars.decode(Buffer.alloc(0)) });
  });

  it('round-trips one message holding everything through the encoder and the decoder', function () {
    const next = withSeed(7, 'everything');
    const type = types.find((t) => t.fullName === '.vmrpc.testing.v1.Everything')!;
    const wire: Wire = randomMessage(next, type, 0);
    const bytes = Buffer.from(type.encode(wire).finish());
    expect(Everything.encode(Everything.decode(bytes)).length).to.be.greaterThan(0);
  });
});

function varint(value: number): number[] {
  const bytes: number[] = [];
  while (value > 0x7f) {
    bytes.push((value & 0x7f) | 0x80);
    value >>>= 7;
  }
  bytes.push(value);
  return bytes;
}
