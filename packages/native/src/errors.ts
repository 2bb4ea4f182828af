/**
 * Errors in the shape Node users already test for: `code`, and for operating-system errors
 * `errno`, `syscall` and `address` (like errors from node:net), with a message that names the
 * operation and the address.
 */
import * as util from 'node:util';

/** An error from an operating-system call on a VM socket. */
export interface VmSocketSystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  /** Windows: the Winsock (WSAE*) or Win32 (ERROR_*) error number behind `code`. */
  winerror?: number;
}

/** Codes of this library's own errors (operating-system errors use their errno names). */
export type VmErrorCode =
  | 'ERR_VMRPC_INVALID_TARGET'
  | 'ERR_VMRPC_UNSUPPORTED_PLATFORM'
  | 'ERR_VMRPC_NATIVE_UNAVAILABLE'
  | 'ERR_VMRPC_HANDSHAKE'
  | 'ERR_VMRPC_SOCKET_CLOSED'
  | 'ERR_VMRPC_ELEVATION_REQUIRED'
  | 'ERR_VMRPC_DISCOVERY_FAILED'
  | 'ERR_INVALID_ARG_TYPE'
  | 'ERR_INVALID_ARG_VALUE'
  | 'ERR_OUT_OF_RANGE'
  | 'ERR_SERVER_ALREADY_LISTEN'
  | 'ERR_SERVER_NOT_RUNNING';

/** An error of this library, thrown or delivered with a `code` from {@link VmErrorCode}. */
export class VmError extends Error {
  readonly code: VmErrorCode;
  constructor(code: VmErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VmError';
    this.code = code;
  }
}

/** A TypeError with a Node-style code, for arguments of the wrong type. */
export function invalidArgType(name: string, expected: string, actual: unknown): TypeError & { code: string } {
  const error = new TypeError(`The "${name}" argument must be ${expected}. Received ${describe(actual)}`) as TypeError & {
    code: string;
  };
  error.code = 'ERR_INVALID_ARG_TYPE';
  return error;
}

/** A RangeError with a Node-style code, for numbers outside what is allowed. */
export function outOfRange(name: string, range: string, actual: unknown): RangeError & { code: string } {
  const error = new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${describe(actual)}`) as RangeError & {
    code: string;
  };
  error.code = 'ERR_OUT_OF_RANGE';
  return error;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > 60 ? `${value.slice(0, 57)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} (${String(value)})`;
  if (typeof value === 'object') return `an instance of ${value.constructor?.name ?? 'Object'}`;
  return typeof value;
}

/**
 * Builds the error for a failed system call from a negative libuv error code (on Unix the
 * negated errno). `hint` adds what the user most likely needs to check.
 */
export function systemError(code: number, syscall: string, address?: string, hint?: string): VmSocketSystemError {
  const name = safeErrorName(code);
  const where = address === undefined ? '' : ` ${address}`;
  const why = hint === undefined ? '' : ` (${hint})`;
  const error = new Error(`${syscall} ${name}${where}${why}`) as VmSocketSystemError;
  error.code = name;
  error.errno = code;
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  return error;
}

/** An error with an errno-style code (ETIMEDOUT, ECONNREFUSED) raised by this library's own logic. */
export function codedSystemError(name: string, syscall: string, address: string, detail: string): VmSocketSystemError {
  const error = new Error(`${syscall} ${name} ${address} (${detail})`) as VmSocketSystemError;
  error.code = name;
  error.errno = errnoOf(name);
  error.syscall = syscall;
  error.address = address;
  return error;
}

/** The AbortError Node's own APIs reject with when an AbortSignal fires. */
export function abortError(signal: AbortSignal | undefined, what: string): Error & { code: string } {
  const error = new Error(`The operation was aborted (${what})`, { cause: signal?.reason }) as Error & { code: string };
  error.name = 'AbortError';
  error.code = 'ABORT_ERR';
  return error;
}

function safeErrorName(code: number): string {
  try {
    return util.getSystemErrorName(code);
  } catch {
    return `Unknown system error ${code}`;
  }
}

/** The errno number Node uses on this OS for an errno name (0 when it has none). */
export function errnoOf(name: string): number {
  const map = util.getSystemErrorMap();
  for (const [code, [errName]] of map) if (errName === name) return code;
  return 0;
}
