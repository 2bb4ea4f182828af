// The HPACK decoder against RFC 7541's Appendix C examples (the bytes and the resulting header
// lists and table sizes are the RFC's), and malformed blocks that must fail with a clear error.
import { expect } from 'chai';
import { HpackDecoder, HpackEncoder, HpackError } from './internals.js';

interface Example {
  section: string;
  hex: string;
  headers: string[];
  tableBytes: number;
}

const requests = (huffman: boolean): Example[] => [
  {
    section: huffman ? 'C.4.1' : 'C.3.1',
    hex: huffman ? '828684418cf1e3c2e5f23a6ba0ab90f4ff' : '828684410f7777772e6578616d706c652e636f6d',
    headers: [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com'],
    tableBytes: 57,
  },
  {
    section: huffman ? 'C.4.2' : 'C.3.2',
    hex: huffman ? '828684be5886a8eb10649cbf' : '828684be58086e6f2d6361636865',
    headers: [':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'www.example.com', 'cache-control', 'no-cache'],
    tableBytes: 110,
  },
  {
    section: huffman ? 'C.4.3' : 'C.3.3',
    hex: huffman ? '828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf' : '828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565',
    headers: [':method', 'GET', ':scheme', 'https', ':path', '/index.html', ':authority', 'www.example.com', 'custom-key', 'custom-value'],
    tableBytes: 164,
  },
];

const COOKIE = 'foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1';
const responseHeaders = (status: string, second: string): string[] => [
  ':status', status, 'cache-control', 'private', 'date', `Mon, 21 Oct 2013 20:13:${second} GMT`, 'location', 'https://www.example.com',
];

const responses = (huffman: boolean): Example[] => [
  {
    section: huffman ? 'C.6.1' : 'C.5.1',
    hex: huffman
      ? '488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3'
      : '4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d546e1768747470733a2f2f7777772e6578616d706c652e636f6d',
    headers: responseHeaders('302', '21'),
    tableBytes: 222,
  },
  {
    section: huffman ? 'C.6.2' : 'C.5.2',
    hex: huffman ? '4883640effc1c0bf' : '4803333037c1c0bf',
    headers: responseHeaders('307', '21'),
    tableBytes: 222,
  },
  {
    section: huffman ? 'C.6.3' : 'C.5.3',
    hex: huffman
      ? '88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335dfdfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007'
      : '88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076657273696f6e3d31',
    headers: [...responseHeaders('200', '22'), 'content-encoding', 'gzip', 'set-cookie', COOKIE],
    tableBytes: 215,
  },
];

function decodeInOrder(decoder: HpackDecoder, examples: Example[]): void {
  for (const example of examples) {
    const { headers } = decoder.decode(Buffer.from(example.hex, 'hex'));
    expect(headers, example.section).to.deep.equal(example.headers);
    expect(decoder.tableBytes, `${example.section} table size`).to.equal(example.tableBytes);
  }
}

function decodeError(hex: string, maxTableSize = 4096): HpackError {
  try {
    new HpackDecoder(maxTableSize).decode(Buffer.from(hex, 'hex'));
  } catch (error) {
    expect(error).to.be.instanceOf(HpackError);
    return error as HpackError;
  }
  throw new Error(`decoding ${hex} did not fail`);
}

describe('h2 engine: HPACK', () => {
  it('decodes the requests of RFC 7541 C.3 (no Huffman) with the dynamic table', () => decodeInOrder(new HpackDecoder(), requests(false)));
  it('decodes the requests of RFC 7541 C.4 (Huffman)', () => decodeInOrder(new HpackDecoder(), requests(true)));
  it('decodes the responses of RFC 7541 C.5 (no Huffman, 256-byte table, eviction)', () => decodeInOrder(new HpackDecoder(256), responses(false)));
  it('decodes the responses of RFC 7541 C.6 (Huffman, 256-byte table, eviction)', () => decodeInOrder(new HpackDecoder(256), responses(true)));

  it('refuses malformed blocks with a message naming the fault', () => {
    expect(decodeError('80').message).to.match(/field 0 is not in the table/);
    expect(decodeError('ff9f4e').message).to.match(/not in the table/); // an index far beyond both tables
    expect(decodeError('40').message).to.match(/ends/); // literal with indexing, cut short
    expect(decodeError('1f8080808080808080').message).to.match(/too large|ends inside an integer/);
    expect(decodeError('0001616361').message).to.match(/runs past the end/); // a 99-byte value in 5 bytes
    expect(decodeError('3fe21f', 4096).message).to.match(/exceeds the announced 4096/); // size update to 4097
    expect(decodeError('823f01').message).to.match(/follows a header field/);
    expect(decodeError('008161').message).to.match(/invalid padding/); // Huffman '0' (00000) padded with zeros
    expect(decodeError('0084ffffffff').message).to.match(/EOS/);
  });

  it('encodes what it decodes, static-table matches as single bytes', () => {
    const encoder = new HpackEncoder();
    const headers = [':method', 'POST', ':scheme', 'http', ':path', '/pkg.Service/Method', 'content-type', 'application/grpc', 'te', 'trailers', 'grpc-timeout', '99m', 'x-bin', 'é'];
    const block = encoder.encode(headers);
    expect(block.subarray(0, 2)).to.deep.equal(Buffer.from([0x83, 0x86]));
    expect(new HpackDecoder().decode(block).headers).to.deep.equal(headers);
    expect(encoder.encode(headers)).to.deep.equal(block); // from the per-field cache
  });

  it('decodes repeated literals once, and every literal exactly whatever the cache holds', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    const block = (i: number): Buffer =>
      encoder.encode([':path', '/pkg.Service/Method', 'te', 'trailers', 'x-request-id', `request-${i}`, 'grpc-timeout', `${i % 97}m`, `x-k${i % 300}`, `v${i % 7}`]);
    // Thousands of distinct values against 128 slots: collisions and evictions, each list exact.
    for (let i = 0; i < 3000; i++) expect(decoder.decode(block(i)).headers).to.deep.equal(new HpackDecoder().decode(block(i)).headers);
    // The same bytes as a raw and as a Huffman literal are different strings.
    const raw = Buffer.from('01011f', 'hex'); // :authority, the raw byte 0x1f
    const huffman = Buffer.from('01811f', 'hex'); // :authority, Huffman 'a' (00011, padded with ones)
    expect(decoder.decode(raw).headers).to.deep.equal([':authority', '\x1f']);
    expect(decoder.decode(huffman).headers).to.deep.equal([':authority', 'a']);
    expect(decoder.decode(raw).headers).to.deep.equal([':authority', '\x1f']);
    // A literal that does not decode fails each time (it is never cached).
    const invalid = Buffer.from('008161', 'hex');
    expect(() => decoder.decode(invalid)).to.throw(HpackError, /invalid padding/);
    expect(() => decoder.decode(invalid)).to.throw(HpackError, /invalid padding/);
    // A block decoded before decodes again without decoding its literals' bytes.
    const repeated = encoder.encode([':path', '/pkg.Service/Method', 'content-type', 'application/grpc', 'user-agent', 'grpc-node-js/1.14.0']);
    const headers = decoder.decode(repeated).headers;
    const toString = Buffer.prototype.toString;
    let decodedBytes = 0;
    Buffer.prototype.toString = function (this: Buffer, ...args: Parameters<Buffer['toString']>): string {
      decodedBytes++;
      return toString.apply(this, args);
    };
    try {
      expect(decoder.decode(repeated).headers).to.deep.equal(headers);
    } finally {
      Buffer.prototype.toString = toString;
    }
    expect(decodedBytes).to.equal(0);
  });

  it('caches what repeats: one-off values never evict the fields every call sends', () => {
    const encoder = new HpackEncoder();
    const decoder = new HpackDecoder();
    // A one-field list encodes to the cached field's own Buffer: identity shows what is cached.
    const stable = [[':path', '/pkg.Service/Method'], [':authority', 'vm'], ['user-agent', 'grpc-node-js/1.14.0'], ['content-type', 'application/grpc']];
    const first = stable.map((field) => encoder.encode(field));
    for (let i = 0; i < 5000; i++) {
      const headers = [':path', '/pkg.Service/Method', 'x-request-id', `request-${i}`, 'grpc-timeout', `${i}m`];
      expect(decoder.decode(encoder.encode(headers)).headers).to.deep.equal(headers);
    }
    stable.forEach((field, i) => expect(encoder.encode(field), field[0]).to.equal(first[i]));
    // A custom value is cached from its second use on; a one-off one is not.
    const tenant = ['x-tenant', 'acme'];
    const once = encoder.encode(tenant);
    const twice = encoder.encode(tenant);
    expect(twice).to.not.equal(once);
    expect(encoder.encode(tenant)).to.equal(twice);
    expect(encoder.encode(['x-request-id', 'request-1'])).to.not.equal(encoder.encode(['x-request-id', 'request-1'])); // forgotten among 5000
  });
});
