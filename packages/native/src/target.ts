/**
 * The one target syntax of the project:
 *
 *   vsock:CID:PORT            CID and PORT decimal; `any` or -1 for VMADDR_CID_ANY / VMADDR_PORT_ANY;
 *                             CID may also be `host` (2), `local` (1) or `hypervisor` (0)
 *   hvsock:VMID:SERVICE       VMID a GUID or a well-known name (parent, loopback, wildcard, ...);
 *                             SERVICE a GUID, or a vsock port mapped through the VSock template
 *   hybrid-vsock:PATH:PORT    the VMM's Unix socket of a Firecracker / Cloud Hypervisor guest
 *   unix:PATH, unix:///PATH   a Unix domain socket
 *   unix-abstract:NAME        a Linux abstract Unix socket
 *
 * Malformed targets throw a VmError with code ERR_VMRPC_INVALID_TARGET whose message names the
 * part that is wrong. `parseTarget(formatTarget(a))` deep-equals `a` for every valid address.
 */
import type { HvsockAddress, HybridVsockAddress, UnixAddress, VmAddress, VsockAddress } from './addresses';
import {
  HV_WELL_KNOWN_VM_IDS,
  MAX_VSOCK_CID_OR_PORT,
  VMADDR_CID_ANY,
  VMADDR_CID_HOST,
  VMADDR_CID_HYPERVISOR,
  VMADDR_CID_LOCAL,
  VMADDR_PORT_ANY,
} from './constants';
import { VmError, invalidArgType } from './errors';
import { normalizeGuid, vsockPortFromServiceId, vsockServiceId } from './guid';

/** How an accepted Unix peer without a name (`path: ''`) is formatted. */
export const UNNAMED_UNIX_PEER = 'unix:unnamed-peer';

/** The longest path a Unix socket address holds (sun_path is 108 bytes with its terminating NUL). */
export const MAX_UNIX_PATH_BYTES = 107;

const CID_NAMES: Readonly<Record<string, number>> = {
  any: VMADDR_CID_ANY,
  '-1': VMADDR_CID_ANY,
  host: VMADDR_CID_HOST,
  local: VMADDR_CID_LOCAL,
  hypervisor: VMADDR_CID_HYPERVISOR,
};

const SCHEMES = ['vsock', 'hvsock', 'hybrid-vsock', 'unix', 'unix-abstract'] as const;

/** Parses a target string into a typed address. */
export function parseTarget(target: string): VmAddress {
  if (typeof target !== 'string') throw invalidArgType('target', 'of type string', target);
  const colon = target.indexOf(':');
  const scheme = colon < 0 ? '' : target.slice(0, colon).toLowerCase();
  const rest = colon < 0 ? '' : target.slice(colon + 1);
  switch (scheme) {
    case 'vsock':
      return parseVsock(target, rest);
    case 'hvsock':
      return parseHvsock(target, rest);
    case 'hybrid-vsock':
      return parseHybrid(target, rest);
    case 'unix':
      return unixAddress(target, rest.startsWith('//') ? stripUnixAuthority(target, rest) : rest, false);
    case 'unix-abstract':
      return unixAddress(target, rest, true);
    default:
      throw invalidTarget(
        target,
        colon < 0 ? 'it has no scheme' : `unknown scheme "${target.slice(0, colon)}"`,
        `use one of ${SCHEMES.map((s) => `${s}:`).join(', ')}`,
      );
  }
}

/** Formats an address as a target string (the inverse of {@link parseTarget}). */
export function formatTarget(address: VmAddress): string {
  // An accepted Unix peer that never bound a name: a peer to name in logs, not a target.
  if (address?.family === 'unix' && address.path === '' && address.abstract !== true && address.uid !== undefined) return UNNAMED_UNIX_PEER;
  const valid = validateAddress(address);
  switch (valid.family) {
    case 'vsock':
      return `vsock:${valid.cid === VMADDR_CID_ANY ? 'any' : valid.cid}:${valid.port === VMADDR_PORT_ANY ? 'any' : valid.port}`;
    case 'hvsock': {
      const vmName = Object.keys(HV_WELL_KNOWN_VM_IDS).find((name) => HV_WELL_KNOWN_VM_IDS[name] === valid.vmId);
      const port = vsockPortFromServiceId(valid.serviceId);
      return `hvsock:${vmName ?? valid.vmId}:${port ?? valid.serviceId}`;
    }
    case 'hybrid-vsock':
      return `hybrid-vsock:${valid.path}:${valid.port}`;
    case 'unix':
      if (valid.abstract === true) return `unix-abstract:${valid.path}`;
      // `unix://x` would read as an authority: a path starting with "//" takes the unix:// form.
      return valid.path.startsWith('//') ? `unix://${valid.path}` : `unix:${valid.path}`;
  }
}

/**
 * Checks that the Unix path a hybrid-vsock listener binds (`PATH_PORT`, where the VMM delivers
 * guest connections to host port PORT) fits a Unix socket address.
 */
export function checkHybridListenPath(target: string, listenPath: string, port: number): void {
  const bytes = Buffer.byteLength(listenPath);
  if (bytes > MAX_UNIX_PATH_BYTES) {
    throw invalidTarget(
      target,
      `listening binds "${listenPath}" (the VMM socket path plus "_${port}"), ${bytes} bytes, more than the ${MAX_UNIX_PATH_BYTES} a Unix socket address holds`,
      'use a shorter VMM socket path',
    );
  }
}

/** Accepts a target string or an address object and returns a checked address. */
export function toAddress(target: string | VmAddress): VmAddress {
  return typeof target === 'string' ? parseTarget(target) : validateAddress(target);
}

/** Checks an address object built by hand, with the same errors as parsing a target. */
export function validateAddress(address: VmAddress): VmAddress {
  if (address === null || typeof address !== 'object') {
    throw invalidArgType('address', 'a target string or an address object', address);
  }
  const shown = safeJson(address);
  switch (address.family) {
    case 'vsock':
      return {
        family: 'vsock',
        cid: checkU32(shown, 'CID', address.cid),
        port: checkU32(shown, 'port', address.port),
      } satisfies VsockAddress;
    case 'hvsock': {
      const vmId = typeof address.vmId === 'string' ? normalizeGuid(address.vmId) : undefined;
      const serviceId = typeof address.serviceId === 'string' ? normalizeGuid(address.serviceId) : undefined;
      if (vmId === undefined) throw invalidTarget(shown, `VM id ${safeJson(address.vmId)} is not a GUID`);
      if (serviceId === undefined) throw invalidTarget(shown, `service id ${safeJson(address.serviceId)} is not a GUID`);
      return { family: 'hvsock', vmId, serviceId } satisfies HvsockAddress;
    }
    case 'hybrid-vsock':
      return {
        family: 'hybrid-vsock',
        path: checkPath(shown, address.path, false),
        port: checkU32(shown, 'port', address.port),
      } satisfies HybridVsockAddress;
    case 'unix': {
      const abstract = address.abstract === true;
      return abstract
        ? { family: 'unix', path: checkPath(shown, address.path, true), abstract }
        : ({ family: 'unix', path: checkPath(shown, address.path, false) } satisfies UnixAddress);
    }
    default:
      throw invalidTarget(shown, `unknown address family ${safeJson((address as { family?: unknown }).family)}`);
  }
}

function parseVsock(target: string, rest: string): VsockAddress {
  const parts = rest.split(':');
  if (parts.length !== 2) throw invalidTarget(target, 'expected vsock:CID:PORT');
  const [cidText, portText] = parts as [string, string];
  const cid = CID_NAMES[cidText.toLowerCase()] ?? parseU32(target, 'CID', cidText, 'a number from 0 to 4294967295, "any" or -1');
  const port =
    portText.toLowerCase() === 'any' || portText === '-1'
      ? VMADDR_PORT_ANY
      : parseU32(target, 'port', portText, 'a number from 0 to 4294967295, "any" or -1');
  return { family: 'vsock', cid, port };
}

function parseHvsock(target: string, rest: string): HvsockAddress {
  const parts = rest.split(':');
  if (parts.length !== 2) throw invalidTarget(target, 'expected hvsock:VMID:SERVICE');
  const [vmText, serviceText] = parts as [string, string];
  const vmId = HV_WELL_KNOWN_VM_IDS[vmText.toLowerCase()] ?? normalizeGuid(vmText);
  if (vmId === undefined) {
    throw invalidTarget(target, `VM id "${vmText}" is not a GUID`, `or one of ${Object.keys(HV_WELL_KNOWN_VM_IDS).join(', ')}`);
  }
  const serviceId = /^\d+$/.test(serviceText)
    ? vsockServiceId(parseU32(target, 'service port', serviceText, 'a number from 0 to 4294967295'))
    : normalizeGuid(serviceText);
  if (serviceId === undefined) throw invalidTarget(target, `service "${serviceText}" is neither a GUID nor a port number`);
  return { family: 'hvsock', vmId, serviceId };
}

function parseHybrid(target: string, rest: string): HybridVsockAddress {
  const colon = rest.lastIndexOf(':');
  if (colon < 0) throw invalidTarget(target, 'expected hybrid-vsock:PATH:PORT');
  const path = checkPath(target, rest.slice(0, colon), false);
  const port = parseU32(target, 'port', rest.slice(colon + 1), 'a number from 0 to 4294967295');
  return { family: 'hybrid-vsock', path, port };
}

function stripUnixAuthority(target: string, rest: string): string {
  // gRPC's form unix:///absolute/path has an empty authority; anything else there is an error.
  if (!rest.startsWith('///')) throw invalidTarget(target, 'unix:// must be followed by an absolute path (unix:///path)');
  return rest.slice(2);
}

function unixAddress(target: string, path: string, abstract: boolean): UnixAddress {
  const checked = checkPath(target, path, abstract);
  return abstract ? { family: 'unix', path: checked, abstract: true } : { family: 'unix', path: checked };
}

function checkPath(target: string, path: unknown, abstract: boolean): string {
  if (typeof path !== 'string' || path.length === 0) {
    throw invalidTarget(target, 'the socket path is empty', abstract ? 'name it: unix-abstract:NAME' : 'name the socket file: unix:/run/app.sock or unix:///run/app.sock');
  }
  if (path.includes('\0')) throw invalidTarget(target, 'the socket path contains a NUL byte');
  // A path ending in "/" names a directory, never a socket file (unix:/// would be the root).
  if (!abstract && path.endsWith('/')) {
    throw invalidTarget(target, `the socket path "${path}" ends with "/" and so names a directory`, `add the socket file's name, e.g. ${path}app.sock`);
  }
  const bytes = Buffer.byteLength(path) + (abstract ? 1 : 0);
  if (bytes > MAX_UNIX_PATH_BYTES) {
    throw invalidTarget(target, `the socket path is ${bytes} bytes, more than the ${MAX_UNIX_PATH_BYTES} a Unix socket address holds`);
  }
  return path;
}

function parseU32(target: string, what: string, text: string, expected: string): number {
  if (!/^\d{1,10}$/.test(text)) throw invalidTarget(target, `${what} "${text}" is not ${expected}`);
  return checkU32(target, what, Number(text));
}

function checkU32(target: string, what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > MAX_VSOCK_CID_OR_PORT) {
    throw invalidTarget(target, `${what} ${safeJson(value)} is not an integer from 0 to ${MAX_VSOCK_CID_OR_PORT}`);
  }
  return value;
}

function invalidTarget(target: string, problem: string, advice?: string): VmError {
  return new VmError('ERR_VMRPC_INVALID_TARGET', `Invalid VM socket target "${target}": ${problem}${advice ? ` (${advice})` : ''}`);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
