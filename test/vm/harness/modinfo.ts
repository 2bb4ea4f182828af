/**
 * Reads the `.modinfo` section of a kernel module (an ELF64 little-endian
 * relocatable object). Done here rather than with `modinfo` because kmod is not
 * installed on a bare machine and busybox's modinfo insists on a modules.dep,
 * which Debian's kernel package does not ship.
 */
export function readModinfo(elf: Buffer, fileName: string): Map<string, string[]> {
  const fail = (why: string): never => {
    throw new Error(`${fileName}: not a readable kernel module (${why})`);
  };
  if (elf.length < 64 || elf.readUInt32BE(0) !== 0x7f454c46) fail('no ELF magic');
  if (elf[4] !== 2) fail('not ELF64');
  if (elf[5] !== 1) fail('not little-endian');

  const sectionHeaderOffset = Number(elf.readBigUInt64LE(0x28));
  const sectionHeaderSize = elf.readUInt16LE(0x3a);
  const sectionCount = elf.readUInt16LE(0x3c);
  const namesIndex = elf.readUInt16LE(0x3e);
  if (sectionHeaderOffset + sectionHeaderSize * sectionCount > elf.length) fail('section headers past end of file');

  const section = (index: number): { name: number; offset: number; size: number } => {
    const base = sectionHeaderOffset + index * sectionHeaderSize;
    return {
      name: elf.readUInt32LE(base),
      offset: Number(elf.readBigUInt64LE(base + 0x18)),
      size: Number(elf.readBigUInt64LE(base + 0x20)),
    };
  };
  const names = section(namesIndex);
  const sectionName = (nameOffset: number): string => {
    const start = names.offset + nameOffset;
    const end = elf.indexOf(0, start);
    return elf.toString('latin1', start, end < 0 ? names.offset + names.size : end);
  };

  const info = new Map<string, string[]>();
  for (let i = 0; i < sectionCount; i++) {
    const header = section(i);
    if (sectionName(header.name) !== '.modinfo') continue;
    if (header.offset + header.size > elf.length) fail('.modinfo past end of file');
    // The section is a run of NUL-terminated "key=value" strings, possibly padded with NULs.
    const text = elf.toString('utf8', header.offset, header.offset + header.size);
    for (const entry of text.split('\0')) {
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      const key = entry.slice(0, eq);
      const values = info.get(key) ?? [];
      values.push(entry.slice(eq + 1));
      info.set(key, values);
    }
    return info;
  }
  return fail('no .modinfo section');
}

/** The modules a module needs loaded first, from its `depends=` field. */
export function moduleDepends(info: Map<string, string[]>): string[] {
  const raw = info.get('depends') ?? [];
  return raw
    .flatMap((value) => value.split(','))
    .map((name) => normalizeModuleName(name.trim()))
    .filter((name) => name !== '');
}

/** Module names treat '-' and '_' alike; file names use either. */
export function normalizeModuleName(name: string): string {
  return name.replace(/-/g, '_');
}
