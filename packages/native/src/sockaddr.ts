/**
 * Binary socket address layouts, encoded and decoded in JS so that the addon stays a thin
 * syscall layer and the layouts are unit-tested on every OS:
 *
 *   sockaddr_vm (16 bytes, host byte order): u16 family, u16 reserved, u32 port, u32 cid,
 *                                            u8 flags, u8 zero[3]
 *   SOCKADDR_HV (36 bytes):                  u16 family, u16 reserved, GUID vmId, GUID serviceId
 *   sockaddr_un (2 + up to 108 bytes):       u16 family, path (NUL-terminated, or a leading NUL
 *                                            for Linux abstract names)
 */
import * as os from 'node:os';
import type { HvsockAddress, UnixAddress, VmAddress, VsockAddress } from './addresses';
import { readGuid, writeGuid } from './guid';

/** Address family numbers; AF_VSOCK is Linux's, AF_HYPERV Windows'. */
export const AF_UNIX = 1;
export const AF_VSOCK = 40;
export const AF_HYPERV = 34;

export const SOCKADDR_VM_SIZE = 16;
export const SOCKADDR_HV_SIZE = 36;
const SUN_PATH_OFFSET = 2;

const littleEndian = os.endianness() === 'LE';

function writeU16(buffer: Buffer, value: number, offset: number): void {
  if (littleEndian) buffer.writeUInt16LE(value, offset);
  else buffer.writeUInt16BE(value, offset);
}

function writeU32(buffer: Buffer, value: number, offset: number): void {
  if (littleEndian) buffer.writeUInt32LE(value, offset);
  else buffer.writeUInt32BE(value, offset);
}

function readU16(buffer: Buffer, offset: number): number {
  return littleEndian ? buffer.readUInt16LE(offset) : buffer.readUInt16BE(offset);
}

function readU32(buffer: Buffer, offset: number): number {
  return littleEndian ? buffer.readUInt32LE(offset) : buffer.readUInt32BE(offset);
}

/** Encodes a struct sockaddr_vm; `flags` carries VMADDR_FLAG_TO_HOST. */
export function encodeVsock(address: Pick<VsockAddress, 'cid' | 'port'>, flags = 0): Buffer {
  const buffer = Buffer.alloc(SOCKADDR_VM_SIZE);
  writeU16(buffer, AF_VSOCK, 0);
  writeU32(buffer, address.port, 4);
  writeU32(buffer, address.cid, 8);
  buffer.writeUInt8(flags, 12);
  return buffer;
}

/** Encodes a SOCKADDR_HV (family, reserved, VM id, service id). */
export function encodeHvsock(address: Pick<HvsockAddress, 'vmId' | 'serviceId'>): Buffer {
  const buffer = Buffer.alloc(SOCKADDR_HV_SIZE);
  writeU16(buffer, AF_HYPERV, 0);
  writeGuid(address.vmId, buffer, 4);
  writeGuid(address.serviceId, buffer, 20);
  return buffer;
}

/** Encodes a sockaddr_un of exactly the length the kernel needs. */
export function encodeUnix(address: Pick<UnixAddress, 'path' | 'abstract'>): Buffer {
  const path = Buffer.from(address.path);
  if (address.abstract === true) {
    // Abstract names: a leading NUL, and the address length says where the name ends.
    const buffer = Buffer.alloc(SUN_PATH_OFFSET + 1 + path.length);
    writeU16(buffer, AF_UNIX, 0);
    path.copy(buffer, SUN_PATH_OFFSET + 1);
    return buffer;
  }
  const buffer = Buffer.alloc(SUN_PATH_OFFSET + path.length + 1);
  writeU16(buffer, AF_UNIX, 0);
  path.copy(buffer, SUN_PATH_OFFSET);
  return buffer;
}

/** Decodes a socket address returned by the kernel; undefined for unnamed sockets and families this library does not speak. */
export function decodeSockaddr(buffer: Buffer): VmAddress | undefined {
  if (buffer.length < 2) return undefined;
  const family = readU16(buffer, 0);
  if (family === AF_VSOCK && buffer.length >= SOCKADDR_VM_SIZE) {
    return { family: 'vsock', port: readU32(buffer, 4), cid: readU32(buffer, 8) };
  }
  if (family === AF_HYPERV && buffer.length >= SOCKADDR_HV_SIZE) {
    return { family: 'hvsock', vmId: readGuid(buffer, 4), serviceId: readGuid(buffer, 20) };
  }
  if (family === AF_UNIX) {
    const raw = buffer.subarray(SUN_PATH_OFFSET);
    if (raw.length > 0 && raw[0] === 0) return { family: 'unix', path: raw.subarray(1).toString(), abstract: true };
    const end = raw.indexOf(0);
    const path = raw.subarray(0, end < 0 ? raw.length : end).toString();
    // Client Unix sockets are usually unnamed: there is no address to report.
    return path.length === 0 ? undefined : { family: 'unix', path };
  }
  return undefined;
}
