/**
 * HPACK encoding without the dynamic table: static-table indexed fields where name and value
 * match, otherwise literals without indexing (RFC 7541, 6.2.2), no Huffman coding. Never touching
 * the dynamic table keeps the encoder stateless towards the peer: no size updates to send, any
 * SETTINGS_HEADER_TABLE_SIZE works.
 *
 * The encoded bytes of fields that repeat are cached (bounded), so a call's constant headers and
 * its method path are encoded once per session: fields of pseudo-headers and of the protocol's
 * own headers from their first use, any other field from its second. A one-off value (a request
 * id, a timeout) is encoded each time and never displaces the fields that repeat.
 */
import { FRAME_HEADER_BYTES, Flag, FrameType, headerBlockFrames, writeFrameHeader } from './frame';
import { STATIC_TABLE } from './hpack-table';

const STATIC_FIELD = new Map<string, number>();
const STATIC_NAME = new Map<string, number>();
STATIC_TABLE.forEach(([name, value], i) => {
  STATIC_FIELD.set(`${name}\0${value}`, i + 1);
  if (!STATIC_NAME.has(name)) STATIC_NAME.set(name, i + 1);
});

/** How many encoded fields the cache keeps before starting over. */
const CACHE_LIMIT = 512;
/** How many fields seen once are remembered (to cache them when they come again) before starting over. */
const SEEN_LIMIT = 512;

/** Headers whose values come from a small set: cached from their first use (besides pseudo-headers). */
const REPEATING = new Set(['content-type', 'te', 'user-agent', 'grpc-accept-encoding', 'grpc-encoding', 'grpc-status', 'accept-encoding']);

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
  private readonly cache = new Map<string, Map<string, Buffer>>();
  private cached = 0;
  /** Fields of other headers seen once, by name then value. */
  private readonly seenOnce = new Map<string, Set<string>>();
  private seen = 0;
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
    const cached = this.cache.get(name)?.get(value);
    if (cached !== undefined) return cached;
    const encoded = encodeField(name, value);
    if (name.charCodeAt(0) === 0x3a /* : */ || REPEATING.has(name) || this.seenBefore(name, value)) this.remember(name, value, encoded);
    return encoded;
  }

  private remember(name: string, value: string, encoded: Buffer): void {
    if (this.cached >= CACHE_LIMIT) {
      this.cache.clear();
      this.cached = 0;
    }
    let byValue = this.cache.get(name);
    if (byValue === undefined) this.cache.set(name, (byValue = new Map()));
    byValue.set(value, encoded);
    this.cached++;
  }

  /** Whether this field came once before (it repeats: worth caching); else remembers it. */
  private seenBefore(name: string, value: string): boolean {
    const values = this.seenOnce.get(name);
    if (values?.delete(value)) {
      this.seen--;
      return true;
    }
    if (this.seen >= SEEN_LIMIT) {
      this.seenOnce.clear();
      this.seen = 0;
    }
    if (values === undefined || this.seen === 0) this.seenOnce.set(name, new Set([value]));
    else values.add(value);
    this.seen++;
    return false;
  }
}
