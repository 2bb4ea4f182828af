/**
 * HPACK's Huffman code (RFC 7541, Appendix B), decoding only. The code is canonical: codes are
 * assigned in order of length, then of symbol, so the table below holds only each symbol's code
 * length (symbols 0-255, then 256 = EOS) and the codes are derived from it.
 */
import { HpackError } from './hpack-error';

// prettier-ignore
const CODE_LENGTHS = [
  13, 23, 28, 28, 28, 28, 28, 28, 28, 24, 30, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 30, 28, 28, 28, 28, 28, 28, 28, 28, 28,
  6, 10, 10, 12, 13, 6, 8, 11, 10, 10, 8, 11, 8, 6, 6, 6, 5, 5, 5, 6, 6, 6, 6, 6, 6, 6, 7, 8, 15, 6, 12, 10,
  13, 6, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 7, 8, 13, 19, 13, 14, 6,
  15, 5, 6, 5, 6, 5, 6, 6, 6, 5, 7, 7, 6, 6, 6, 5, 6, 7, 6, 5, 5, 6, 7, 7, 7, 7, 7, 15, 11, 14, 13, 28,
  20, 22, 20, 20, 22, 22, 22, 23, 22, 23, 23, 23, 23, 23, 24, 23, 24, 24, 22, 23, 24, 23, 23, 23, 23, 21, 22, 23, 22, 23, 23, 24,
  22, 21, 20, 22, 22, 23, 23, 21, 23, 22, 22, 24, 21, 22, 23, 23, 21, 21, 22, 21, 23, 22, 23, 23, 20, 22, 22, 22, 23, 22, 22, 23,
  26, 26, 20, 19, 22, 23, 22, 25, 26, 26, 26, 27, 27, 26, 24, 25, 19, 21, 26, 27, 27, 26, 27, 24, 21, 21, 26, 26, 28, 27, 27, 27,
  20, 24, 20, 21, 22, 21, 21, 23, 22, 22, 25, 25, 24, 24, 26, 23, 26, 27, 26, 26, 27, 27, 27, 27, 27, 28, 27, 27, 27, 27, 27, 26,
  30,
];

const EOS = 256;
const MAX_LENGTH = 30;

/** Canonical decoding tables: per code length, the first code, how many codes and where they start in SYMBOLS. */
const FIRST_CODE = new Array<number>(MAX_LENGTH + 2).fill(0);
const COUNT = new Array<number>(MAX_LENGTH + 2).fill(0);
const OFFSET = new Array<number>(MAX_LENGTH + 2).fill(0);
const SYMBOLS: number[] = [];

(function buildTables(): void {
  for (const length of CODE_LENGTHS) COUNT[length]++;
  let code = 0;
  for (let length = 1; length <= MAX_LENGTH; length++) {
    FIRST_CODE[length] = code;
    OFFSET[length] = SYMBOLS.length;
    for (let symbol = 0; symbol < CODE_LENGTHS.length; symbol++) if (CODE_LENGTHS[symbol] === length) SYMBOLS.push(symbol);
    code = (code + COUNT[length]) * 2;
  }
})();

/** Decodes `length` Huffman-coded bytes of `source` from `start` into a latin1 string. */
export function huffmanDecode(source: Buffer, start: number, length: number): string {
  const out = Buffer.allocUnsafe(Math.ceil((length * 8) / 5));
  let written = 0;
  let code = 0;
  let bits = 0;
  const end = start + length;
  for (let i = start; i < end; i++) {
    const byte = source[i];
    for (let bit = 7; bit >= 0; bit--) {
      code = code * 2 + ((byte >> bit) & 1);
      bits++;
      const index = code - FIRST_CODE[bits];
      if (index < COUNT[bits]) {
        const symbol = SYMBOLS[OFFSET[bits] + index];
        if (symbol === EOS) throw new HpackError('a Huffman-coded string contains the EOS symbol');
        out[written++] = symbol;
        code = 0;
        bits = 0;
      } else if (bits >= MAX_LENGTH) {
        throw new HpackError('a Huffman-coded string holds an invalid code');
      }
    }
  }
  // The padding must be the most significant bits of EOS (all ones) and shorter than 8 bits.
  if (bits > 7 || code !== (1 << bits) - 1) throw new HpackError('a Huffman-coded string ends with invalid padding');
  return out.toString('latin1', 0, written);
}
