/**
 * The remote address of an accepted Unix socket: its name (usually none) and the credentials of
 * the process that connected, from SO_PEERCRED (struct ucred: i32 pid, u32 uid, u32 gid, in host
 * byte order). The kernel records them at connect time; the peer cannot choose them.
 */
import * as os from 'node:os';
import type { UnixAddress } from './addresses';
import type { NativeBinding } from './binding';

const UCRED_SIZE = 12;
const littleEndian = os.endianness() === 'LE';

/** The peer of accepted Unix socket `fd`; `named` is what getpeername reported (undefined: unnamed). */
export function unixPeerAddress(binding: NativeBinding, fd: number, named: UnixAddress | undefined): UnixAddress | undefined {
  const ucred = Buffer.alloc(UCRED_SIZE);
  const rc = binding.getsockopt(fd, binding.constants.SOL_SOCKET, binding.constants.SO_PEERCRED, ucred);
  if (rc < UCRED_SIZE) return named;
  const read = (offset: number, signed: boolean): number =>
    signed ? (littleEndian ? ucred.readInt32LE(offset) : ucred.readInt32BE(offset)) : littleEndian ? ucred.readUInt32LE(offset) : ucred.readUInt32BE(offset);
  return {
    ...(named ?? { family: 'unix', path: '' }),
    pid: read(0, true),
    uid: read(4, false),
    gid: read(8, false),
  };
}
