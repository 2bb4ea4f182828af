/**
 * The decoded text of HPACK string literals that repeat, per decoder. An encoder without the
 * dynamic table (ours, and any peer that sends literals without indexing) sends the same literals
 * in every block: a call's path, authority, content-type, `te: trailers`, the user agent, the
 * names of grpc-* headers. Decoding each again costs a native Buffer.toString (or a Huffman
 * decode) and a new string per field per call; a hit here costs a hash and a byte comparison.
 *
 * A fixed number of slots (128: a few KiB per decoder with their strings), two candidates per
 * string (the newer kept first): the memory is bounded, and a value that never repeats (a
 * timeout) displaces at most one string from its pair of slots. A raw literal is checked against its text (latin1: one char per byte);
 * a Huffman one keeps a copy of its bytes in an array of its own (a slice of Buffer's shared pool
 * would keep the whole 8 KiB pool chunk alive for as long as the connection lives).
 */
import { huffmanDecode } from './hpack-huffman';

/** Literals longer than this are decoded each time (values that long rarely repeat). */
export const CACHED_STRING_BYTES = 64;
const SLOTS = 128;

interface Slot {
  /** A Huffman literal's bytes as received (a copy: the block is not kept); undefined for a raw literal. */
  huffmanBytes: Uint8Array | undefined;
  text: string;
}

export class DecodedStrings {
  private readonly slots: Array<Slot | undefined> = new Array<Slot | undefined>(SLOTS).fill(undefined);

  /** The text of the literal at `block[start, start + length)` (at most CACHED_STRING_BYTES). */
  text(block: Buffer, start: number, length: number, huffman: boolean): string {
    const first = slotOf(block, start, length, huffman);
    const slots = this.slots;
    const newer = slots[first];
    if (newer !== undefined && holds(newer, block, start, length, huffman)) return newer.text;
    const older = slots[first ^ 1];
    if (older !== undefined && holds(older, block, start, length, huffman)) return older.text;
    // Decoded before it is kept: a literal that does not decode (bad Huffman code) is never cached.
    const text = huffman ? huffmanDecode(block, start, length) : block.toString('latin1', start, start + length);
    slots[first ^ 1] = newer;
    slots[first] = { huffmanBytes: huffman ? new Uint8Array(block.subarray(start, start + length)) : undefined, text };
    return text;
  }
}

/**
 * The first of a string's two slots, from its length and a few of its bytes (hashing every byte
 * would cost about what decoding saves; the comparison checks them all anyway).
 */
function slotOf(block: Buffer, start: number, length: number, huffman: boolean): number {
  let hash = Math.imul(length, 0x9e3779b1) ^ (huffman ? 0x5bd1e995 : 0);
  if (length > 0) {
    hash = Math.imul(hash ^ block[start], 0x01000193);
    hash = Math.imul(hash ^ block[start + (length >> 1)], 0x01000193);
    hash = Math.imul(hash ^ block[start + length - 1], 0x01000193);
  }
  hash ^= hash >>> 15;
  hash = Math.imul(hash, 0x85ebca6b);
  hash ^= hash >>> 13;
  return hash & (SLOTS - 2);
}

/** Whether `slot` was made from the literal at `block[start, start + length)`. */
function holds(slot: Slot, block: Buffer, start: number, length: number, huffman: boolean): boolean {
  const bytes = slot.huffmanBytes;
  if (bytes === undefined) {
    if (huffman) return false;
    const text = slot.text;
    if (text.length !== length) return false;
    for (let i = 0; i < length; i++) if (text.charCodeAt(i) !== block[start + i]) return false;
    return true;
  }
  if (!huffman || bytes.length !== length) return false;
  for (let i = 0; i < length; i++) if (bytes[i] !== block[start + i]) return false;
  return true;
}
