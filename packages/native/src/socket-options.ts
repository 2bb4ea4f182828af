/**
 * AF_VSOCK socket options (level AF_VSOCK), encoded for the generic get/setsockopt of the addon.
 * Buffer sizes are u64; the connect timeout is a struct timeval (two longs on 64-bit Linux).
 */
import type { NativeBinding } from './binding';
import { invalidArgType, outOfRange, systemError } from './errors';
import { AF_VSOCK } from './sockaddr';

export const SO_VM_SOCKETS_BUFFER_SIZE = 0;
export const SO_VM_SOCKETS_BUFFER_MIN_SIZE = 1;
export const SO_VM_SOCKETS_BUFFER_MAX_SIZE = 2;
export const SO_VM_SOCKETS_CONNECT_TIMEOUT = 6;

/** The vsock buffer sizes of a socket, in bytes. */
export interface VsockBufferSizes {
  size: number;
  min: number;
  max: number;
}

/** Sets SO_VM_SOCKETS_BUFFER_SIZE (raising the max first when needed, as the kernel requires). */
export function setVsockBufferSize(binding: NativeBinding, fd: number, bytes: number, address: string): void {
  checkBytes('bufferSize', bytes);
  const max = getU64(binding, fd, SO_VM_SOCKETS_BUFFER_MAX_SIZE, address);
  if (bytes > max) setU64(binding, fd, SO_VM_SOCKETS_BUFFER_MAX_SIZE, bytes, address);
  setU64(binding, fd, SO_VM_SOCKETS_BUFFER_SIZE, bytes, address);
}

/** Reads the three buffer sizes back (tests use it to check that options took effect). */
export function getVsockBufferSizes(binding: NativeBinding, fd: number, address: string): VsockBufferSizes {
  return {
    size: getU64(binding, fd, SO_VM_SOCKETS_BUFFER_SIZE, address),
    min: getU64(binding, fd, SO_VM_SOCKETS_BUFFER_MIN_SIZE, address),
    max: getU64(binding, fd, SO_VM_SOCKETS_BUFFER_MAX_SIZE, address),
  };
}

/** Sets the kernel's own connect timeout (SO_VM_SOCKETS_CONNECT_TIMEOUT; its default is 2 s). */
export function setVsockConnectTimeout(binding: NativeBinding, fd: number, milliseconds: number, address: string): void {
  check(binding.setsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, encodeVsockConnectTimeout(milliseconds)), 'setsockopt', address);
}

/** The struct timeval for `milliseconds`: whole microseconds, a fraction rounded up (as the Windows path does). */
export function encodeVsockConnectTimeout(milliseconds: number): Buffer {
  const value = Buffer.alloc(16);
  const micros = Math.ceil(milliseconds * 1000);
  value.writeBigInt64LE(BigInt(Math.floor(micros / 1e6)), 0);
  value.writeBigInt64LE(BigInt(micros % 1e6), 8);
  return value;
}

export function getVsockConnectTimeout(binding: NativeBinding, fd: number, address: string): number {
  const value = Buffer.alloc(16);
  check(binding.getsockopt(fd, AF_VSOCK, SO_VM_SOCKETS_CONNECT_TIMEOUT, value), 'getsockopt', address);
  return Number(value.readBigInt64LE(0)) * 1000 + Math.floor(Number(value.readBigInt64LE(8)) / 1000);
}

function getU64(binding: NativeBinding, fd: number, name: number, address: string): number {
  const value = Buffer.alloc(8);
  check(binding.getsockopt(fd, AF_VSOCK, name, value), 'getsockopt', address);
  return Number(value.readBigUInt64LE(0));
}

function setU64(binding: NativeBinding, fd: number, name: number, bytes: number, address: string): void {
  const value = Buffer.alloc(8);
  value.writeBigUInt64LE(BigInt(bytes), 0);
  check(binding.setsockopt(fd, AF_VSOCK, name, value), 'setsockopt', address);
}

function check(rc: number, syscall: string, address: string): void {
  if (rc < 0) throw systemError(rc, syscall, address);
}

export function checkBytes(name: string, bytes: unknown): void {
  if (typeof bytes !== 'number') throw invalidArgType(name, 'of type number', bytes);
  if (!Number.isSafeInteger(bytes) || bytes <= 0) throw outOfRange(name, 'a positive integer', bytes);
}
