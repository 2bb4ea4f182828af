// A oneof with two members on the wire (what a peer's merge of two messages gives): the last one
// seen wins, as the protobuf spec says, whatever the members' order in the .proto and however
// often each member occurs.
import { defineFile } from '@vmrpc/rpc';
import { expect } from 'chai';
import { Pick } from './generated/vmrpc/edge/v1/keywords.js';
import { WellKnown } from './generated/vmrpc/testing/v1/types.js';

describe('rpc codec: oneof, last member on the wire wins', function () {
  it('text then number decodes as number; number then text as text', function () {
    // text (field 1) = "a": 0a 01 61; number (field 2) = 5: 10 05; inner (field 3) {s: "b"}: 1a 03 0a 01 62.
    expect(Pick.decode(Buffer.from('0a01611005', 'hex')).kind).to.deep.equal({ $case: 'number', number: 5 });
    expect(Pick.decode(Buffer.from('10050a0161', 'hex')).kind).to.deep.equal({ $case: 'text', text: 'a' });
    expect(Pick.decode(Buffer.from('0a01611a030a0162', 'hex')).kind).to.deep.equal({ $case: 'inner', inner: { s: 'b' } });
    expect(Pick.decode(Buffer.from('1a030a01620a0161', 'hex')).kind).to.deep.equal({ $case: 'text', text: 'a' });
  });

  it('one member on the wire decodes as that member', function () {
    expect(Pick.decode(Pick.encode({ kind: { $case: 'number', number: 7 } })).kind).to.deep.equal({ $case: 'number', number: 7 });
    expect(Pick.decode(Buffer.alloc(0)).kind).to.equal(undefined);
  });

  it('a member seen again after another wins: text, number, text decodes as the second text', function () {
    // text "a", number 5, text "c": 0a 01 61 | 10 05 | 0a 01 63.
    expect(Pick.decode(Buffer.from('0a016110050a0163', 'hex')).kind).to.deep.equal({ $case: 'text', text: 'c' });
    // number 5, text "a", number 6.
    expect(Pick.decode(Buffer.from('10050a01611006', 'hex')).kind).to.deep.equal({ $case: 'number', number: 6 });
    // inner {s: "b"}, number 5, inner {s: "d"}.
    expect(Pick.decode(Buffer.from('1a030a016210051a030a0164', 'hex')).kind).to.deep.equal({ $case: 'inner', inner: { s: 'd' } });
    // The same member twice: the last value.
    expect(Pick.decode(Buffer.from('0a01610a0163', 'hex')).kind).to.deep.equal({ $case: 'text', text: 'c' });
  });

  it('holds for a oneof inside a message whose type is decoded first (a fresh file: no earlier decode of the inner type)', function () {
    const file = defineFile({
      nested: {
        t: {
          nested: {
            Choice: { oneofs: { kind: { oneof: ['text', 'number'] } }, fields: { text: { type: 'string', id: 1 }, number: { type: 'int32', id: 2 } } },
            Outer: { fields: { choice: { type: 'Choice', id: 1 }, choices: { rule: 'repeated', type: 'Choice', id: 2 } } },
          },
        },
      },
    });
    type Choice = { kind?: { $case: 'text'; text: string } | { $case: 'number'; number: number } };
    const Outer = file.message<{ choice?: Choice; choices: Choice[] }>('t.Outer');
    // choice (field 1, 8 bytes) = text "a", number 5, text "c"; choices (field 2, 5 bytes) = text "a", number 5.
    const decoded = Outer.decode(Buffer.from('0a080a016110050a0163' + '12050a01611005', 'hex'));
    expect(decoded).to.deep.equal({ choice: { kind: { $case: 'text', text: 'c' } }, choices: [{ kind: { $case: 'number', number: 5 } }] });
  });

  it('holds for google.protobuf.Value, whose kind is a oneof: number then string is the string, and back', function () {
    // Value: number_value (2, a double) = 2: 11 0000000000000040; string_value (3) = "a": 1a 01 61;
    // bool_value (4) = true: 20 01. WellKnown.value is field 4 (22), WellKnown.list field 5 (2a),
    // its values field 1 (0a).
    const number = '110000000000000040';
    const text = '1a0161';
    const value = (hex: string): string => `22${(hex.length / 2).toString(16).padStart(2, '0')}${hex}`;
    expect(WellKnown.decode(Buffer.from(value(number + text), 'hex')).value).to.equal('a');
    expect(WellKnown.decode(Buffer.from(value(text + number), 'hex')).value).to.equal(2);
    // In a ListValue: [Value{string "a", bool true}] is [true].
    expect(WellKnown.decode(Buffer.from('2a070a05' + text + '2001', 'hex')).list).to.deep.equal([true]);
  });
});
