/**
 * HPACK's index space (RFC 7541, section 2.3): the static table (Appendix A), then the dynamic
 * table, newest entry first, evicting the oldest entries when a new one or a smaller maximum
 * size does not fit (4.4, 4.3).
 */
import { HpackError } from './hpack-error';

// prettier-ignore
export const STATIC_TABLE: ReadonlyArray<readonly [string, string]> = [
  [':authority', ''], [':method', 'GET'], [':method', 'POST'], [':path', '/'], [':path', '/index.html'],
  [':scheme', 'http'], [':scheme', 'https'], [':status', '200'], [':status', '204'], [':status', '206'],
  [':status', '304'], [':status', '400'], [':status', '404'], [':status', '500'], ['accept-charset', ''],
  ['accept-encoding', 'gzip, deflate'], ['accept-language', ''], ['accept-ranges', ''], ['accept', ''],
  ['access-control-allow-origin', ''], ['age', ''], ['allow', ''], ['authorization', ''], ['cache-control', ''],
  ['content-disposition', ''], ['content-encoding', ''], ['content-language', ''], ['content-length', ''],
  ['content-location', ''], ['content-range', ''], ['content-type', ''], ['cookie', ''], ['date', ''], ['etag', ''],
  ['expect', ''], ['expires', ''], ['from', ''], ['host', ''], ['if-match', ''], ['if-modified-since', ''],
  ['if-none-match', ''], ['if-range', ''], ['if-unmodified-since', ''], ['last-modified', ''], ['link', ''],
  ['location', ''], ['max-forwards', ''], ['proxy-authenticate', ''], ['proxy-authorization', ''], ['range', ''],
  ['referer', ''], ['refresh', ''], ['retry-after', ''], ['server', ''], ['set-cookie', ''],
  ['strict-transport-security', ''], ['transfer-encoding', ''], ['user-agent', ''], ['vary', ''], ['via', ''],
  ['www-authenticate', ''],
];

/** The size an entry counts for (RFC 7541, 4.1): its name and value lengths plus 32. */
export function entrySize(name: string, value: string): number {
  return name.length + value.length + 32;
}

export class DynamicTable {
  /** Entries as flat name, value pairs, oldest first (so insertion is a push). */
  private entries: string[] = [];
  private size = 0;

  constructor(private maxSize: number) {}

  /** The table's size by RFC 7541's rule (4.1). */
  get bytes(): number {
    return this.size;
  }

  get length(): number {
    return this.entries.length / 2;
  }

  /** Field `index` of the combined index space (1-based), name at [0], value at [1] of the result. */
  name(index: number): string {
    return index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1][0] : this.entries[this.slot(index)];
  }

  value(index: number): string {
    return index <= STATIC_TABLE.length ? STATIC_TABLE[index - 1][1] : this.entries[this.slot(index) + 1];
  }

  /** Whether `index` names an entry (0 never does). */
  has(index: number): boolean {
    return index >= 1 && index <= STATIC_TABLE.length + this.length;
  }

  add(name: string, value: string): void {
    const size = entrySize(name, value);
    this.size += size;
    this.entries.push(name, value);
    this.evict();
  }

  setMaxSize(maxSize: number): void {
    this.maxSize = maxSize;
    this.evict();
  }

  private slot(index: number): number {
    const fromNewest = index - STATIC_TABLE.length - 1;
    const slot = this.entries.length - 2 - fromNewest * 2;
    if (fromNewest < 0 || slot < 0) throw new HpackError(`header field index ${index} is not in the table`);
    return slot;
  }

  private evict(): void {
    let drop = 0;
    while (this.size > this.maxSize && drop < this.entries.length) {
      this.size -= entrySize(this.entries[drop], this.entries[drop + 1]);
      drop += 2;
    }
    if (drop > 0) this.entries.splice(0, drop);
  }
}
