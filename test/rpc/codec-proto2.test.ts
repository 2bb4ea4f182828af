// proto2 messages: defaults as the .proto says (inf, -inf and nan too), groups on the wire as
// groups, a missing required field named in the error, and extension fields (never decoded)
// not declared in the generated interface.
import { generate } from '@vmrpc/rpc';
import { expect } from 'chai';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Legacy, Legacy_Kind } from './generated/vmrpc/legacy/v1/legacy.js';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

describe('rpc codec: proto2', function () {
  it('fills the declared defaults, non-finite doubles and floats included', function () {
    const decoded = Legacy.decode(Buffer.from('0a0178', 'hex'));
    expect(decoded).to.deep.include({ id: 'x', count: 42, label: 'none', kind: Legacy_Kind.KIND_B, high: Infinity, low: -Infinity, on: true });
    expect(Number.isNaN(decoded.odd)).to.equal(true);
    expect(Buffer.from(decoded.blob).toString()).to.equal('abc');
  });

  it('encodes a group as a group (start and end tags), as protoc does', function () {
    const bytes = Legacy.encode({ id: 'x', result: { url: 'u' } });
    // id: 0a 01 'x'; group 6: start 33, url (7): 3a 01 'u', end 34.
    expect(bytes.toString('hex')).to.equal('0a0178333a017534');
    expect(Legacy.decode(bytes).result).to.deep.equal({ url: 'u' });
  });

  it('refuses to encode a message without its required field, naming it', function () {
    const message = 'vmrpc.legacy.v1.Legacy.id is a proto2 required field and is missing; set it (a message without it cannot be encoded)';
    expect(() => Legacy.encode({ count: 1 })).to.throw(TypeError, message);
    expect(() => Legacy.create()).to.throw(TypeError, message);
  });

  it('does not declare extension fields in the generated interface (they are not decoded)', function () {
    const [file] = generate({ inputs: [path.join(REPO, 'test/rpc/protos/vmrpc/legacy')], includeDirs: [path.join(REPO, 'test/rpc/protos')] });
    expect(file!.content).to.not.include('extra');
    // Field 100 (the extension) on the wire is skipped, not decoded into the value.
    const decoded = Legacy.decode(Buffer.from('0a0178a2060474657374', 'hex'));
    expect(Object.keys(decoded)).to.not.include('.vmrpc.legacy.v1.extra');
  });
});
