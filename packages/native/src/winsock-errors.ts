/**
 * Windows error codes as Node users know them. The Windows half of the addon returns negated
 * Winsock (WSAE*, 10000+) and Win32 (ERROR_*) codes, because Node-API offers no libuv; this
 * table turns them into the errno names libuv gives the same codes (uv_translate_sys_error),
 * so `err.code` reads `ECONNREFUSED` on Windows as on Linux. Pure data: tested on every OS.
 */
import { errnoOf, type VmSocketSystemError } from './errors';

/** One Windows error: its symbolic name and the errno name Node reports for it. */
export interface WindowsErrorInfo {
  readonly symbol: string;
  readonly code: string;
}

const entries: ReadonlyArray<readonly [number, string, string]> = [
  // Win32 errors: overlapped completions and the registry report these.
  [2, 'ERROR_FILE_NOT_FOUND', 'ENOENT'],
  [3, 'ERROR_PATH_NOT_FOUND', 'ENOENT'],
  [5, 'ERROR_ACCESS_DENIED', 'EPERM'],
  [6, 'ERROR_INVALID_HANDLE', 'EBADF'],
  [8, 'ERROR_NOT_ENOUGH_MEMORY', 'ENOMEM'],
  [14, 'ERROR_OUTOFMEMORY', 'ENOMEM'],
  [50, 'ERROR_NOT_SUPPORTED', 'ENOTSUP'],
  [64, 'ERROR_NETNAME_DELETED', 'ECONNRESET'],
  [87, 'ERROR_INVALID_PARAMETER', 'EINVAL'],
  [109, 'ERROR_BROKEN_PIPE', 'EOF'],
  [121, 'ERROR_SEM_TIMEOUT', 'ETIMEDOUT'],
  [122, 'ERROR_INSUFFICIENT_BUFFER', 'EINVAL'],
  [126, 'ERROR_MOD_NOT_FOUND', 'ENOENT'],
  [183, 'ERROR_ALREADY_EXISTS', 'EEXIST'],
  [740, 'ERROR_ELEVATION_REQUIRED', 'EACCES'],
  [995, 'ERROR_OPERATION_ABORTED', 'ECANCELED'],
  [1225, 'ERROR_CONNECTION_REFUSED', 'ECONNREFUSED'],
  [1227, 'ERROR_ADDRESS_ALREADY_ASSOCIATED', 'EADDRINUSE'],
  [1231, 'ERROR_NETWORK_UNREACHABLE', 'ENETUNREACH'],
  [1232, 'ERROR_HOST_UNREACHABLE', 'EHOSTUNREACH'],
  [1236, 'ERROR_CONNECTION_ABORTED', 'ECONNABORTED'],
  [1314, 'ERROR_PRIVILEGE_NOT_HELD', 'EPERM'],
  [1460, 'ERROR_TIMEOUT', 'ETIMEDOUT'],
  [2250, 'ERROR_NOT_CONNECTED', 'ENOTCONN'],
  // Winsock errors: calls that fail at once report these.
  [10004, 'WSAEINTR', 'ECANCELED'],
  [10009, 'WSAEBADF', 'EBADF'],
  [10013, 'WSAEACCES', 'EACCES'],
  [10014, 'WSAEFAULT', 'EFAULT'],
  [10022, 'WSAEINVAL', 'EINVAL'],
  [10024, 'WSAEMFILE', 'EMFILE'],
  [10035, 'WSAEWOULDBLOCK', 'EAGAIN'],
  [10037, 'WSAEALREADY', 'EALREADY'],
  [10038, 'WSAENOTSOCK', 'ENOTSOCK'],
  [10039, 'WSAEDESTADDRREQ', 'EDESTADDRREQ'],
  [10040, 'WSAEMSGSIZE', 'EMSGSIZE'],
  [10041, 'WSAEPROTOTYPE', 'EPROTOTYPE'],
  [10042, 'WSAENOPROTOOPT', 'ENOPROTOOPT'],
  [10043, 'WSAEPROTONOSUPPORT', 'EPROTONOSUPPORT'],
  [10044, 'WSAESOCKTNOSUPPORT', 'ESOCKTNOSUPPORT'],
  [10045, 'WSAEOPNOTSUPP', 'ENOTSUP'],
  [10046, 'WSAEPFNOSUPPORT', 'EINVAL'],
  [10047, 'WSAEAFNOSUPPORT', 'EAFNOSUPPORT'],
  [10048, 'WSAEADDRINUSE', 'EADDRINUSE'],
  [10049, 'WSAEADDRNOTAVAIL', 'EADDRNOTAVAIL'],
  [10050, 'WSAENETDOWN', 'ENETDOWN'],
  [10051, 'WSAENETUNREACH', 'ENETUNREACH'],
  [10052, 'WSAENETRESET', 'ECONNRESET'],
  [10053, 'WSAECONNABORTED', 'ECONNABORTED'],
  [10054, 'WSAECONNRESET', 'ECONNRESET'],
  [10055, 'WSAENOBUFS', 'ENOBUFS'],
  [10056, 'WSAEISCONN', 'EISCONN'],
  [10057, 'WSAENOTCONN', 'ENOTCONN'],
  [10058, 'WSAESHUTDOWN', 'EPIPE'],
  [10060, 'WSAETIMEDOUT', 'ETIMEDOUT'],
  [10061, 'WSAECONNREFUSED', 'ECONNREFUSED'],
  [10064, 'WSAEHOSTDOWN', 'EHOSTDOWN'],
  [10065, 'WSAEHOSTUNREACH', 'EHOSTUNREACH'],
  [10091, 'WSASYSNOTREADY', 'ENETDOWN'],
  [10093, 'WSANOTINITIALISED', 'EINVAL'],
  [10106, 'WSAEPROVIDERFAILEDINIT', 'EAFNOSUPPORT'],
];

/** Every Windows error this package names, by code. */
export const WINDOWS_ERRORS: ReadonlyMap<number, WindowsErrorInfo> = new Map(
  entries.map(([number, symbol, code]) => [number, Object.freeze({ symbol, code })]),
);

/** The symbol and errno name of a Windows error code (positive or negated), or undefined. */
export function windowsErrorInfo(code: number): WindowsErrorInfo | undefined {
  return WINDOWS_ERRORS.get(Math.abs(code));
}

/**
 * The Node-style error for a failed Windows call: `code` is the errno name (UNKNOWN for codes
 * outside the table), `errno` the libuv number of that name on this OS, and the message keeps the
 * Windows symbol, which is what Microsoft's documentation and forums use.
 */
export function windowsSystemError(code: number, syscall: string, address?: string, hint?: string): VmSocketSystemError {
  const windowsCode = Math.abs(code);
  const info = windowsErrorInfo(windowsCode);
  const name = info?.code ?? 'UNKNOWN';
  const where = address === undefined ? '' : ` ${address}`;
  const details = [info?.symbol ?? `Windows error ${windowsCode}`, ...(hint === undefined ? [] : [hint])].join('; ');
  const error = new Error(`${syscall} ${name}${where} (${details})`) as VmSocketSystemError;
  error.code = name;
  error.errno = errnoOf(name) || -windowsCode;
  error.syscall = syscall;
  if (address !== undefined) error.address = address;
  error.winerror = windowsCode;
  return error;
}

/** Whether a negated Windows code is the one that ends cancelled I/O (the socket was closed). */
export function isCancelledIo(code: number): boolean {
  return code === -995;
}
