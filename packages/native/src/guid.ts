/**
 * GUIDs as Hyper-V sockets use them: canonical lowercase strings in the API, the Windows GUID
 * memory layout (first three fields little-endian) inside SOCKADDR_HV.
 */
import { HV_GUID_VSOCK_TEMPLATE, MAX_VSOCK_CID_OR_PORT } from './constants';
import { invalidArgType, outOfRange } from './errors';

const GUID_PATTERN = /^\{?([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})\}?$/i;
const VSOCK_TEMPLATE_TAIL = HV_GUID_VSOCK_TEMPLATE.slice(8);

/** Returns the canonical form (lowercase, no braces) of a GUID string, or undefined if it is not one. */
export function normalizeGuid(text: string): string | undefined {
  const match = GUID_PATTERN.exec(text);
  if (match === null) return undefined;
  return match.slice(1, 6).join('-').toLowerCase();
}

/** Writes a GUID in the Windows memory layout (16 bytes) at `offset`. */
export function writeGuid(guid: string, target: Buffer, offset: number): void {
  const canonical = normalizeGuid(guid);
  if (canonical === undefined) throw invalidArgType('guid', 'a GUID string like 00000000-0000-0000-0000-000000000000', guid);
  const hex = canonical.replaceAll('-', '');
  target.writeUInt32LE(parseInt(hex.slice(0, 8), 16), offset);
  target.writeUInt16LE(parseInt(hex.slice(8, 12), 16), offset + 4);
  target.writeUInt16LE(parseInt(hex.slice(12, 16), 16), offset + 6);
  Buffer.from(hex.slice(16), 'hex').copy(target, offset + 8);
}

/** Reads a GUID in the Windows memory layout (16 bytes) at `offset`. */
export function readGuid(source: Buffer, offset: number): string {
  const data1 = source.readUInt32LE(offset).toString(16).padStart(8, '0');
  const data2 = source.readUInt16LE(offset + 4).toString(16).padStart(4, '0');
  const data3 = source.readUInt16LE(offset + 6).toString(16).padStart(4, '0');
  const data4 = source.subarray(offset + 8, offset + 16).toString('hex');
  return `${data1}-${data2}-${data3}-${data4.slice(0, 4)}-${data4.slice(4)}`;
}

/**
 * The Hyper-V service id that reaches AF_VSOCK port `port` of a Linux guest (Hyper-V VM or WSL 2):
 * the VSock template with the port in its first field. Port 1234 gives
 * `000004d2-facb-11e6-bd58-64006a7986d3`.
 */
export function vsockServiceId(port: number): string {
  if (typeof port !== 'number') throw invalidArgType('port', 'of type number', port);
  if (!Number.isInteger(port) || port < 0 || port > MAX_VSOCK_CID_OR_PORT) {
    throw outOfRange('port', `an integer from 0 to ${MAX_VSOCK_CID_OR_PORT}`, port);
  }
  return port.toString(16).padStart(8, '0') + VSOCK_TEMPLATE_TAIL;
}

/** The inverse of {@link vsockServiceId}: the vsock port a service id stands for, or undefined if it is not of the template. */
export function vsockPortFromServiceId(serviceId: string): number | undefined {
  const canonical = normalizeGuid(serviceId);
  if (canonical === undefined || !canonical.endsWith(VSOCK_TEMPLATE_TAIL)) return undefined;
  return parseInt(canonical.slice(0, 8), 16);
}
