// The frame reader over socket chunks of any shape: frames split across chunks (down to one byte
// per chunk) or packed several to a chunk arrive whole and in order; an oversized frame fails on
// its header, before its payload arrives. A DATA frame split across chunks is handed on in pieces
// that are views of the chunks (never joined by a copy); other frames arrive joined.
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { ConnectionError, FrameReader } from './internals.js';
import { rawFrame } from './raw.js';

interface Seen {
  type: number;
  flags: number;
  streamId: number;
  payload: string;
}

function reader(max = 16384): { reader: InstanceType<typeof FrameReader>; seen: Seen[]; pieces: Buffer[] } {
  const seen: Seen[] = [];
  const pieces: Buffer[] = [];
  let inPieces: Seen | undefined;
  return {
    seen,
    pieces,
    reader: new FrameReader(
      {
        onFrame: (type, flags, streamId, payload) => {
          expect(inPieces, 'a frame inside a DATA frame given in pieces').to.equal(undefined);
          seen.push({ type, flags, streamId, payload: payload.toString('hex') });
        },
        onDataHeader: (flags, streamId, length) => {
          expect(length).to.be.above(0);
          inPieces = { type: 0x0, flags, streamId, payload: '' };
          seen.push(inPieces);
        },
        onDataPiece: (piece, last) => {
          pieces.push(piece);
          inPieces!.payload += piece.toString('hex');
          if (last) inPieces = undefined;
        },
      },
      max,
    ),
  };
}

describe('h2 engine: frame reader', () => {
  const frames = [rawFrame(0x4, 0, 0), rawFrame(0x0, 1, 1, randomBytes(16384)), rawFrame(0x6, 0, 0, randomBytes(8)), rawFrame(0x1, 4, 0x80000003, randomBytes(300))];
  const expected: Seen[] = [
    { type: 0x4, flags: 0, streamId: 0, payload: '' },
    { type: 0x0, flags: 1, streamId: 1, payload: frames[1].subarray(9).toString('hex') },
    { type: 0x6, flags: 0, streamId: 0, payload: frames[2].subarray(9).toString('hex') },
    { type: 0x1, flags: 4, streamId: 3, payload: frames[3].subarray(9).toString('hex') }, // reserved bit dropped
  ];
  const all = Buffer.concat(frames);

  it('parses frames packed into one chunk', () => {
    const { reader: r, seen } = reader();
    r.push(all);
    expect(seen).to.deep.equal(expected);
  });

  for (const size of [1, 2, 7, 9, 10, 4096, 16393]) {
    it(`parses frames cut into chunks of ${size} bytes`, () => {
      const { reader: r, seen } = reader();
      for (let offset = 0; offset < all.length; offset += size) r.push(all.subarray(offset, offset + size));
      expect(seen).to.deep.equal(expected);
    });
  }

  it('hands a DATA frame split across chunks on as views of those chunks, not joined', () => {
    const { reader: r, seen, pieces } = reader();
    const chunks = [all.subarray(0, 9 + 100), all.subarray(9 + 100, 9 + 9000), all.subarray(9 + 9000)];
    for (const chunk of chunks) r.push(chunk);
    expect(seen).to.deep.equal(expected);
    expect(pieces.map((piece) => piece.length)).to.deep.equal([100 - 9, 8900, 16384 - 100 + 9 - 8900]);
    for (const [i, piece] of pieces.entries()) expect(piece.buffer, `piece ${i}`).to.equal(chunks[i]!.buffer);
  });

  it('joins a padded DATA frame split across chunks (its padding length comes first)', () => {
    const { reader: r, seen, pieces } = reader();
    const padded = rawFrame(0x0, 0x8, 1, Buffer.concat([Buffer.from([3]), Buffer.alloc(2000, 7), Buffer.alloc(3)]));
    r.push(padded.subarray(0, 1000));
    r.push(padded.subarray(1000));
    expect(pieces).to.have.length(0);
    expect(seen).to.deep.equal([{ type: 0x0, flags: 0x8, streamId: 1, payload: padded.subarray(9).toString('hex') }]);
  });

  it('refuses a frame above SETTINGS_MAX_FRAME_SIZE from its header alone', () => {
    const { reader: r } = reader();
    expect(() => r.push(rawFrame(0x0, 0, 1, Buffer.alloc(16385)).subarray(0, 9)))
      .to.throw(ConnectionError, 'DATA frame of 16385 bytes is larger than SETTINGS_MAX_FRAME_SIZE (16384)')
      .with.property('h2Code', 0x6);
  });
});
