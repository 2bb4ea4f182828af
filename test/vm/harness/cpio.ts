/**
 * Writer for the "newc" cpio format the kernel unpacks as an initramfs
 * (Documentation/driver-api/early-userspace/buffer-format.rst). Written here
 * because `cpio` is not installed on a bare Debian machine.
 */

export type CpioEntry =
  | { kind: 'dir'; path: string; mode?: number }
  | { kind: 'file'; path: string; data: Buffer; mode?: number }
  | { kind: 'symlink'; path: string; target: string }
  | { kind: 'chardev'; path: string; major: number; minor: number; mode?: number };

const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;
const S_IFCHR = 0o020000;

function pad4(length: number): Buffer {
  return Buffer.alloc((4 - (length % 4)) % 4);
}

function hex8(value: number): string {
  return value.toString(16).padStart(8, '0');
}

function record(ino: number, mode: number, name: string, data: Buffer, rdevMajor = 0, rdevMinor = 0): Buffer[] {
  const nameBytes = Buffer.from(`${name}\0`, 'utf8');
  const fields = [
    ino,
    mode,
    0, // uid: root
    0, // gid: root
    (mode & 0o170000) === S_IFDIR ? 2 : 1,
    0, // mtime: fixed so identical inputs give identical images
    data.length,
    0, // devmajor
    0, // devminor
    rdevMajor,
    rdevMinor,
    nameBytes.length,
    0, // check: unused by newc
  ];
  const header = Buffer.from(`070701${fields.map(hex8).join('')}`, 'ascii');
  return [header, nameBytes, pad4(header.length + nameBytes.length), data, pad4(data.length)];
}

/** Serialises entries in the given order; parents must come before children. */
export function buildCpio(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  for (const entry of entries) {
    // newc names are relative to the archive root.
    const name = entry.path.replace(/^\/+/, '');
    switch (entry.kind) {
      case 'dir':
        parts.push(...record(ino++, S_IFDIR | (entry.mode ?? 0o755), name, Buffer.alloc(0)));
        break;
      case 'file':
        parts.push(...record(ino++, S_IFREG | (entry.mode ?? 0o644), name, entry.data));
        break;
      case 'symlink':
        parts.push(...record(ino++, S_IFLNK | 0o777, name, Buffer.from(entry.target, 'utf8')));
        break;
      case 'chardev':
        parts.push(...record(ino++, S_IFCHR | (entry.mode ?? 0o600), name, Buffer.alloc(0), entry.major, entry.minor));
        break;
    }
  }
  parts.push(...record(0, 0, 'TRAILER!!!', Buffer.alloc(0)));
  return Buffer.concat(parts);
}
