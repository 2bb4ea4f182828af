/**
 * Hyper-V socket options (hvsocket.h, level HV_PROTOCOL_RAW). Values are 32-bit (ULONG);
 * validation and encoding live here so they are tested on every OS.
 */
import { invalidArgType, outOfRange } from './errors';
import { optionalObject } from './options';

/** The protocol of AF_HYPERV stream sockets, and the level of their options. */
export const HV_PROTOCOL_RAW = 1;
/** HVSOCKET_CONNECT_TIMEOUT: the kernel's bound on a connect, in milliseconds. */
export const HVSOCKET_CONNECT_TIMEOUT = 1;
/** The largest HVSOCKET_CONNECT_TIMEOUT Windows accepts (5 minutes). */
export const HVSOCKET_CONNECT_TIMEOUT_MAX = 300_000;
/** HVSOCKET_CONTAINER_PASSTHRU: from inside a Windows container, address the container host's partitions. */
export const HVSOCKET_CONTAINER_PASSTHRU = 2;
/** HVSOCKET_CONNECTED_SUSPEND: keep the connection open while the VM is suspended. */
export const HVSOCKET_CONNECTED_SUSPEND = 4;
/** HVSOCKET_HIGH_VTL: connect to or listen on the VM's higher virtual trust level. */
export const HVSOCKET_HIGH_VTL = 8;

/** Options of Hyper-V sockets, for `connect()` / `createConnection()` and for servers. */
export interface HvsockOptions {
  /**
   * HVSOCKET_CONNECT_TIMEOUT in milliseconds, 1 to 300000 (connects only). Default: the
   * connection's `connectTimeout` capped at 300000, so a connect never blocks without a bound.
   */
  connectTimeout?: number;
  /** HVSOCKET_CONNECTED_SUSPEND: the connection survives a suspend (pause or save) of the VM. */
  connectedSuspend?: boolean;
  /** HVSOCKET_CONTAINER_PASSTHRU: a socket inside a Windows container addresses the host's VMs. */
  containerPassthru?: boolean;
  /** HVSOCKET_HIGH_VTL: the socket addresses the VM's high virtual trust level (VBS). */
  highVtl?: boolean;
}

/** One option to set: its number, its 32-bit value, and its name for error messages. */
export interface HvsockOptionSetting {
  readonly name: number;
  readonly value: number;
  readonly label: string;
}

/** Checks a user's `hvsock` options object, with errors that name the bad field. */
export function checkHvsockOptions(name: string, value: HvsockOptions | undefined): HvsockOptions {
  const options = optionalObject(name, value);
  const checked: HvsockOptions = {};
  if (options.connectTimeout !== undefined) checked.connectTimeout = checkHvsockConnectTimeout(`${name}.connectTimeout`, options.connectTimeout);
  for (const flag of ['connectedSuspend', 'containerPassthru', 'highVtl'] as const) {
    const flagValue: unknown = options[flag];
    if (flagValue === undefined) continue;
    if (typeof flagValue !== 'boolean') throw invalidArgType(`${name}.${flag}`, 'of type boolean', flagValue);
    checked[flag] = flagValue;
  }
  return checked;
}

/** Checks an explicit HVSOCKET_CONNECT_TIMEOUT: an integer from 1 to 300000 milliseconds. */
export function checkHvsockConnectTimeout(name: string, value: unknown): number {
  if (typeof value !== 'number') throw invalidArgType(name, 'of type number', value);
  if (!Number.isInteger(value) || value < 1 || value > HVSOCKET_CONNECT_TIMEOUT_MAX) {
    throw outOfRange(name, `an integer from 1 to ${HVSOCKET_CONNECT_TIMEOUT_MAX} (milliseconds)`, value);
  }
  return value;
}

/** The kernel connect timeout that goes with a `connectTimeout` (ms, maybe Infinity). */
export function kernelConnectTimeout(connectTimeout: number): number {
  if (!Number.isFinite(connectTimeout)) return HVSOCKET_CONNECT_TIMEOUT_MAX;
  return Math.min(HVSOCKET_CONNECT_TIMEOUT_MAX, Math.max(1, Math.ceil(connectTimeout)));
}

/**
 * The options to set on a socket, in order. `connectTimeout` is given for connecting sockets
 * only: listeners have no connect to bound.
 */
export function hvsockOptionSettings(options: HvsockOptions, connectTimeout?: number): HvsockOptionSetting[] {
  const settings: HvsockOptionSetting[] = [];
  if (connectTimeout !== undefined) {
    settings.push({
      name: HVSOCKET_CONNECT_TIMEOUT,
      value: options.connectTimeout ?? kernelConnectTimeout(connectTimeout),
      label: 'HVSOCKET_CONNECT_TIMEOUT',
    });
  }
  if (options.connectedSuspend !== undefined) {
    settings.push({ name: HVSOCKET_CONNECTED_SUSPEND, value: options.connectedSuspend ? 1 : 0, label: 'HVSOCKET_CONNECTED_SUSPEND' });
  }
  if (options.containerPassthru !== undefined) {
    settings.push({ name: HVSOCKET_CONTAINER_PASSTHRU, value: options.containerPassthru ? 1 : 0, label: 'HVSOCKET_CONTAINER_PASSTHRU' });
  }
  if (options.highVtl !== undefined) {
    settings.push({ name: HVSOCKET_HIGH_VTL, value: options.highVtl ? 1 : 0, label: 'HVSOCKET_HIGH_VTL' });
  }
  return settings;
}

/** A ULONG option value as setsockopt takes it (little-endian: Windows runs x64 and arm64). */
export function encodeOptionValue(value: number): Buffer {
  const buffer = Buffer.alloc(4);
  buffer.writeUInt32LE(value, 0);
  return buffer;
}
