/**
 * HPACK encoding without the dynamic table: static-table indexed fields where name and value
 * match, otherwise literals without indexing (RFC 7541, 6.2.2), no Huffman coding. The encoded
 * bytes of each field are cached (bounded), so a call's constant headers and its method path are
 * encoded once per session. Never touching the dynamic table keeps the encoder stateless towards
 * the peer: no size updates to send, any SETTINGS_HEADER_TABLE_SIZE works.
 */
import { FRAME_HEADER_BYTES, Flag, FrameType, headerBlockFrames, writeFrameHeader } from './frame';
import { STATIC_TABLE } from './hpack-table';

const STATIC_FIELD = new Map<string, number>();
const STATIC_NAME = new Map<string, number>();
STATIC_TABLE.forEach(([name, value], i) => {
  STATIC_FIELD.set(`${name}\0${value}`, i + 1);
  if (!STATIC_NAME.has(name)) STATIC_NAME.set(name, i + 1);
});

/** How many encoded fields the cache keeps before starting over (values such as timeouts vary). */
const CACHE_LIMIT = 512;

function integerLength(value: number, prefixBits: number): number {
  const limit = (1 << prefixBits) - 1;
  if (value < limit) return 1;
  let length = 2;
  for (value -= limit; value >= 128; value = Math.floor(value / 128)) length++;
  return length;
}

function writeInteger(out: Buffer, offset: number, value: number, prefixBits: number, flags: number): number {
  const limit = (1 << prefixBits) - 1;
  if (value < limit) {
    out[offset] = flags | value;
    return offset + 1;
  }
  out[offset++] = flags | limit;
  for (value -= limit; value >= 128; value = Math.floor(value / 128)) out[offset++] = (value % 128) | 0x80;
  out[offset++] = value;
  return offset;
}

/** The HPACK representation of one field. */
export function encodeField(name: string, value: string): Buffer {
  const full = STATIC_FIELD.get(`${name}\0${value}`);
  if (full !== undefined) {
    const out = Buffer.allocUnsafe(integerLength(full, 7));
    writeInteger(out, 0, full, 7, 0x80);
    return out;
  }
  const nameIndex = STATIC_NAME.get(name) ?? 0;
  const nameBytes = nameIndex === 0 ? Buffer.byteLength(name, 'latin1') : 0;
  const valueBytes = Buffer.byteLength(value, 'latin1');
  const length =
    integerLength(nameIndex, 4) + (nameIndex === 0 ? integerLength(nameBytes, 7) + nameBytes : 0) + integerLength(valueBytes, 7) + valueBytes;
  const out = Buffer.allocUnsafe(length);
  let offset = writeInteger(out, 0, nameIndex, 4, 0x00);
  if (nameIndex === 0) {
    offset = writeInteger(out, offset, nameBytes, 7, 0x00);
    offset += out.write(name, offset, 'latin1');
  }
  offset = writeInteger(out, offset, valueBytes, 7, 0x00);
  out.write(value, offset, 'latin1');
  return out;
}

export class HpackEncoder {
  /** Encoded fields by name, then value (no key strings built per field). */
  private cache = new Map<string, Map<string, Buffer>>();
  private cached = 0;
  private parts: Buffer[] = [];

  /** Encodes a flat name/value list into one header block. */
  encode(headers: readonly string[]): Buffer {
    const length = this.gather(headers);
    const block = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts, length);
    this.parts.length = 0;
    return block;
  }

  /**
   * The header block already framed: one HEADERS frame written straight from the cached fields
   * when it fits `maxFrameSize`, else HEADERS and CONTINUATION frames.
   */
  frames(streamId: number, headers: readonly string[], endStream: boolean, maxFrameSize: number): Buffer {
    const length = this.gather(headers);
    if (length > maxFrameSize) {
      const block = Buffer.concat(this.parts, length);
      this.parts.length = 0;
      return headerBlockFrames(streamId, block, endStream, maxFrameSize);
    }
    const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + length);
    writeFrameHeader(out, 0, length, FrameType.HEADERS, endStream ? Flag.END_HEADERS | Flag.END_STREAM : Flag.END_HEADERS, streamId);
    let offset = FRAME_HEADER_BYTES;
    for (const part of this.parts) offset += part.copy(out, offset);
    this.parts.length = 0;
    return out;
  }

  /** Collects the encoded fields in `parts`; returns their total length. */
  private gather(headers: readonly string[]): number {
    let length = 0;
    for (let i = 0; i < headers.length; i += 2) {
      const part = this.field(headers[i], headers[i + 1]);
      this.parts.push(part);
      length += part.length;
    }
    return length;
  }

  private field(name: string, value: string): Buffer {
    let byValue = this.cache.get(name);
    if (byValue === undefined) {
      byValue = new Map();
      this.cache.set(name, byValue);
    }
    let encoded = byValue.get(value);
    if (encoded === undefined) {
      encoded = encodeField(name, value);
      if (this.cached >= CACHE_LIMIT) {
        this.cache.clear();
        this.cached = 0;
        this.cache.set(name, byValue = new Map());
      }
      byValue.set(value, encoded);
      this.cached++;
    }
    return encoded;
  }
}
