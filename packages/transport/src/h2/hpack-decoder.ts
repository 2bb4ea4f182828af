/**
 * HPACK decoding (RFC 7541): header blocks into flat name/value lists. Every malformed block is
 * an HpackError, which the session reports as a COMPRESSION_ERROR of the connection.
 */
import { HpackError } from './hpack-error';
import { huffmanDecode } from './hpack-huffman';
import { CACHED_STRING_BYTES, DecodedStrings } from './hpack-strings';
import { DynamicTable, entrySize } from './hpack-table';

export interface DecodedBlock {
  headers: string[];
  /** The block's size by RFC 9113's SETTINGS_MAX_HEADER_LIST_SIZE rule (name + value + 32 each). */
  listSize: number;
  /**
   * Why the list is malformed by RFC 9113, 8.2 (an upper-case name, a pseudo-header after a
   * regular one): a stream error, unlike an undecodable block.
   */
  malformed: string | undefined;
}

const UPPER_CASE = /[A-Z]/;
/** What `block` holds between blocks (a decoded block is not kept alive); one, not one per block. */
const NO_BLOCK = Buffer.alloc(0);

export class HpackDecoder {
  private readonly table: DynamicTable;
  /** Literals that repeat block after block, decoded once. */
  private readonly strings = new DecodedStrings();
  private upperCaseName: string | undefined;
  private block: Buffer = NO_BLOCK;
  private pos = 0;

  /** `maxTableSize`: the SETTINGS_HEADER_TABLE_SIZE this end announced (the peer may not exceed it). */
  constructor(private readonly maxTableSize = 4096) {
    this.table = new DynamicTable(maxTableSize);
  }

  /** The dynamic table's current size (RFC 7541, 4.1). */
  get tableBytes(): number {
    return this.table.bytes;
  }

  /**
   * Decodes a whole block (the dynamic table must see every field), keeping the fields only while
   * the list is within `maxListSize`: a list past it is refused by its size, so a block of short
   * references to one long field cannot grow a list beyond the bound.
   */
  decode(block: Buffer, maxListSize = Infinity): DecodedBlock {
    this.block = block;
    this.pos = 0;
    const headers: string[] = [];
    let listSize = 0;
    let sawField = false;
    let sawRegular = false;
    let malformed: string | undefined;
    this.upperCaseName = undefined;
    while (this.pos < block.length) {
      const byte = block[this.pos];
      let name: string;
      let value: string;
      if (byte & 0x80) {
        // Indexed field (6.1).
        const index = this.integer(7);
        if (!this.table.has(index)) throw new HpackError(`indexed header field ${index} is not in the table`);
        name = this.table.name(index);
        value = this.table.value(index);
      } else if (byte & 0x40) {
        // Literal with incremental indexing (6.2.1).
        name = this.literalName(6);
        value = this.string();
        this.table.add(name, value);
      } else if (byte & 0x20) {
        // Dynamic table size update (6.3): only before the first field of a block.
        if (sawField) throw new HpackError('a dynamic table size update follows a header field');
        const size = this.integer(5);
        if (size > this.maxTableSize) throw new HpackError(`a dynamic table size update to ${size} exceeds the announced ${this.maxTableSize}`);
        this.table.setMaxSize(size);
        continue;
      } else {
        // Literal without indexing (6.2.2) or never indexed (6.2.3): same layout, 4-bit prefix.
        name = this.literalName(4);
        value = this.string();
      }
      sawField = true;
      if (name.charCodeAt(0) === 0x3a) {
        if (sawRegular) malformed ??= `pseudo-header ${name} follows a regular header field`;
      } else {
        sawRegular = true;
      }
      listSize += entrySize(name, value);
      if (listSize <= maxListSize) headers.push(name, value);
    }
    this.block = NO_BLOCK;
    if (this.upperCaseName !== undefined) malformed ??= `header name ${JSON.stringify(this.upperCaseName)} has upper-case letters`;
    return { headers, listSize, malformed };
  }

  private literalName(prefixBits: number): string {
    const index = this.integer(prefixBits);
    if (index === 0) {
      const name = this.string();
      // Checked here only: names from the tables were checked when they were added.
      if (UPPER_CASE.test(name)) this.upperCaseName ??= name;
      return name;
    }
    if (!this.table.has(index)) throw new HpackError(`header name index ${index} is not in the table`);
    return this.table.name(index);
  }

  /** An integer with an N-bit prefix (5.1). */
  private integer(prefixBits: number): number {
    const block = this.block;
    if (this.pos >= block.length) throw new HpackError('a header block ends inside an integer');
    const limit = (1 << prefixBits) - 1;
    let value = block[this.pos++] & limit;
    if (value < limit) return value;
    let shift = 0;
    for (;;) {
      if (this.pos >= block.length) throw new HpackError('a header block ends inside an integer');
      const byte = block[this.pos++];
      value += (byte & 0x7f) * 2 ** shift;
      shift += 7;
      if ((byte & 0x80) === 0) break;
      if (shift > 28) throw new HpackError('an integer in a header block is too large');
    }
    if (value > 0x7fffffff) throw new HpackError('an integer in a header block is too large');
    return value;
  }

  /** A string literal (5.2), Huffman-coded or raw. */
  private string(): string {
    if (this.pos >= this.block.length) throw new HpackError('a header block ends before a string');
    const huffman = (this.block[this.pos] & 0x80) !== 0;
    const length = this.integer(7);
    const start = this.pos;
    if (start + length > this.block.length) throw new HpackError(`a string of ${length} bytes runs past the end of its header block`);
    this.pos = start + length;
    if (length <= CACHED_STRING_BYTES) return this.strings.text(this.block, start, length, huffman);
    return huffman ? huffmanDecode(this.block, start, length) : this.block.toString('latin1', start, start + length);
  }
}
