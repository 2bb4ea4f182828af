// A oneof with two members on the wire (what a peer's merge of two messages gives): the last one
// seen wins, as the protobuf spec says, whatever the members' order in the .proto.
import { expect } from 'chai';
import { Pick } from './generated/vmrpc/edge/v1/keywords.js';

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
});
