/**
 * How Hyper-V sockets are opened (Windows): the addon, the socket triple, the address a client
 * binds before ConnectEx, and the hints that turn a Windows error into advice.
 */
import type { HvsockAddress } from './addresses';
import { win32Binding, type Win32Binding } from './binding-win32';
import { HV_GUID_WILDCARD } from './constants';
import { vsockPortFromServiceId } from './guid';
import type { VmSocketSystemError } from './errors';
import { encodeHvsock } from './sockaddr';
import { windowsErrorInfo, windowsSystemError } from './winsock-errors';

/** The Windows addon for a Hyper-V socket to `target`, or the error that says what to use on this OS. */
export function hvsockBinding(target: string): Win32Binding {
  return win32Binding(
    `${target} (Hyper-V sockets)`,
    'from a Linux guest of Hyper-V or WSL 2, use vsock:2:PORT to reach a Windows host listening on hvsock:VMID:PORT',
  );
}

/** ConnectEx needs a bound socket: clients bind to the wildcard VM and service (the provider picks). */
export const HVSOCK_CLIENT_BIND_ADDRESS: Buffer = encodeHvsock({ vmId: HV_GUID_WILDCARD, serviceId: HV_GUID_WILDCARD });

/** A sentence telling the user what to check after error `code` (an errno name) on `syscall`, or undefined. */
export function hvsockErrorHint(code: string, syscall: string, address: HvsockAddress): string | undefined {
  const port = vsockPortFromServiceId(address.serviceId);
  const service = port === undefined ? `service ${address.serviceId}` : `vsock port ${port}`;
  switch (code) {
    case 'EAFNOSUPPORT':
    case 'EPROTONOSUPPORT':
    case 'ESOCKTNOSUPPORT':
      return 'this Windows has no Hyper-V socket provider: Windows 10 / Server 2016 or later is needed, with Hyper-V or the Virtual Machine Platform feature enabled';
    case 'ECONNREFUSED':
      return `nothing listens on ${service} in that VM`;
    case 'ETIMEDOUT':
      return syscall === 'connect'
        ? `no answer from VM ${address.vmId}: is it running, and does something listen on ${service}? (HVSOCKET_CONNECT_TIMEOUT bounds the wait)`
        : undefined;
    case 'ENETUNREACH':
    case 'EHOSTUNREACH':
      return `VM ${address.vmId} cannot be reached: is it running? VM ids change when a VM is recreated, and the WSL VM id at every WSL restart`;
    case 'EADDRNOTAVAIL':
      return syscall === 'bind' ? `VM id ${address.vmId} is not one this host can listen for` : undefined;
    case 'EADDRINUSE':
      return `another socket already listens on ${service}`;
    case 'EACCES':
    case 'EPERM':
      return 'the Hyper-V socket provider refused: some VM ids (and all registry changes) need an elevated process';
    default:
      return undefined;
  }
}

/** The Node-style error of a failed Hyper-V socket call; `detail` replaces the generic hint. */
export function hvsockSystemError(code: number, syscall: string, address: HvsockAddress, target: string, detail?: string): VmSocketSystemError {
  const name = windowsErrorInfo(code)?.code ?? 'UNKNOWN';
  return windowsSystemError(code, syscall, target, detail ?? hvsockErrorHint(name, syscall, address));
}
