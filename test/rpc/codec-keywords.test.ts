// Field and oneof names that Object.prototype also has (constructor, toString, valueOf, ...):
// a field the sender leaves out is absent on the wire, never read from the prototype.
import type { DeepPartial } from '@vmrpc/rpc';
import { expect } from 'chai';
import { Keywords, Pick, type Keywords as KeywordsMessage } from './generated/vmrpc/edge/v1/keywords.js';

// An object literal's `constructor` is typed as Function, so TypeScript wants the literals cast.
const partial = (value: object): DeepPartial<KeywordsMessage> => value as DeepPartial<KeywordsMessage>;
const own = (value: object, key: string): boolean => Object.prototype.hasOwnProperty.call(value, key);

describe('rpc codec: field names of Object.prototype members', function () {
  it('sends only the fields that are set (a left-out bool `constructor` is false, a message `valueOf` absent)', function () {
    const bytes = Keywords.encode(partial({ x: 1 }));
    // Field 3 (x) only: tag 0x18, value 1.
    expect(bytes.toString('hex')).to.equal('1801');
    const decoded = Keywords.decode(bytes);
    expect(decoded.constructor).to.equal(false);
    expect(own(decoded, 'valueOf')).to.equal(false);
    expect(decoded.toString).to.deep.equal([]);
    expect(decoded.hasOwnProperty).to.equal('');
    expect(decoded.isPrototypeOf).to.equal('');
    expect(own(decoded, 'toLocaleString')).to.equal(false);
  });

  it('encodes {} and create() without throwing, all defaults', function () {
    expect(Keywords.encode({}).length).to.equal(0);
    const created = Keywords.create();
    expect(created).to.deep.equal({ constructor: false, x: 0, toString: [], hasOwnProperty: '', isPrototypeOf: '' });
  });

  it('round-trips the same fields when they are set', function () {
    const value = {
      constructor: true,
      valueOf: { s: 'v' },
      x: 2,
      toString: ['a', 'b'],
      hasOwnProperty: 'h',
      isPrototypeOf: 'i',
      toLocaleString: { $case: 'propertyIsEnumerable' as const, propertyIsEnumerable: 7 },
    };
    expect(Keywords.decode(Keywords.encode(value))).to.deep.equal(value);
    const text = { toLocaleString: { $case: 'constructorText' as const, constructorText: 'c' } };
    expect(Keywords.decode(Keywords.encode(partial(text))).toLocaleString).to.deep.equal(text.toLocaleString);
  });

  it('reads a oneof with an ordinary name through the prototype chain, as a plain field (getter, template, class instance)', function () {
    class Command {
      get kind(): { $case: 'number'; number: number } {
        return { $case: 'number', number: 5 };
      }
    }
    // number (field 2) = 5: 10 05; text (field 1) = "a": 0a 01 61.
    expect(Pick.encode(new Command()).toString('hex')).to.equal('1005');
    expect(Pick.encode(Object.create({ kind: { $case: 'text', text: 'a' } }) as object).toString('hex')).to.equal('0a0161');
    class Choice {
      readonly $case = 'text' as const;
      get text(): string {
        return 'hello';
      }
    }
    expect(Pick.decode(Pick.encode({ kind: new Choice() })).kind).to.deep.equal({ $case: 'text', text: 'hello' });
    // A plain field with an ordinary name is read the same way.
    expect(Keywords.encode(Object.create({ x: 7 }) as object).toString('hex')).to.equal('1807');
  });

  it('reads a oneof named like an Object.prototype member only from own properties', function () {
    // toLocaleString left out of a plain object: Object.prototype's function is not a choice.
    expect(Keywords.encode(partial({ x: 1 })).toString('hex')).to.equal('1801');
    // An own one is sent: property_is_enumerable (field 8) = 3: 40 03.
    expect(Keywords.encode(partial({ toLocaleString: { $case: 'propertyIsEnumerable', propertyIsEnumerable: 3 } })).toString('hex')).to.equal('4003');
  });
});
