/**
 * SETTINGS (RFC 9113, 6.5): what this end announces, and applying the peer's frame with the
 * range checks of 6.5.2.
 */
import { ConnectionError } from './errors';
import { DEFAULT_MAX_FRAME_SIZE, DEFAULT_WINDOW, MAX_MAX_FRAME_SIZE, MAX_WINDOW, SettingId } from './frame';
import { H2ErrorCode, type H2PeerSettings, type H2Settings } from './types';

/** This end's settings with HTTP/2's defaults filled in. */
export interface LocalSettings {
  headerTableSize: number;
  maxConcurrentStreams: number;
  initialWindowSize: number;
  maxFrameSize: number;
  maxHeaderListSize: number;
}

export function defaultPeerSettings(): H2PeerSettings {
  return {
    headerTableSize: 4096,
    enablePush: true,
    maxConcurrentStreams: Infinity,
    initialWindowSize: DEFAULT_WINDOW,
    maxFrameSize: DEFAULT_MAX_FRAME_SIZE,
    maxHeaderListSize: Infinity,
  };
}

function checkRange(name: string, value: number | undefined, min: number, max: number): void {
  if (value === undefined) return;
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`H2Settings.${name} must be an integer from ${min} to ${max}, got ${String(value)}`);
  }
}

/** Checks the settings a user passed and lists the (id, value) pairs to announce. */
export function localSettings(settings: H2Settings, client: boolean): { local: LocalSettings; pairs: Array<[number, number]> } {
  checkRange('headerTableSize', settings.headerTableSize, 0, 0xffffffff);
  checkRange('maxConcurrentStreams', settings.maxConcurrentStreams, 0, 0xffffffff);
  checkRange('initialWindowSize', settings.initialWindowSize, 0, MAX_WINDOW);
  checkRange('maxFrameSize', settings.maxFrameSize, DEFAULT_MAX_FRAME_SIZE, MAX_MAX_FRAME_SIZE);
  checkRange('maxHeaderListSize', settings.maxHeaderListSize, 0, 0xffffffff);
  const pairs: Array<[number, number]> = [];
  if (settings.headerTableSize !== undefined) pairs.push([SettingId.HEADER_TABLE_SIZE, settings.headerTableSize]);
  if (client) pairs.push([SettingId.ENABLE_PUSH, 0]);
  if (settings.maxConcurrentStreams !== undefined) pairs.push([SettingId.MAX_CONCURRENT_STREAMS, settings.maxConcurrentStreams]);
  if (settings.initialWindowSize !== undefined) pairs.push([SettingId.INITIAL_WINDOW_SIZE, settings.initialWindowSize]);
  if (settings.maxFrameSize !== undefined) pairs.push([SettingId.MAX_FRAME_SIZE, settings.maxFrameSize]);
  if (settings.maxHeaderListSize !== undefined) pairs.push([SettingId.MAX_HEADER_LIST_SIZE, settings.maxHeaderListSize]);
  const local: LocalSettings = {
    headerTableSize: settings.headerTableSize ?? 4096,
    maxConcurrentStreams: settings.maxConcurrentStreams ?? Infinity,
    initialWindowSize: settings.initialWindowSize ?? DEFAULT_WINDOW,
    maxFrameSize: settings.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
    maxHeaderListSize: settings.maxHeaderListSize ?? Infinity,
  };
  return { local, pairs };
}

/**
 * Applies a SETTINGS payload to `peer`; returns how much INITIAL_WINDOW_SIZE changed (every open
 * stream's send window moves by it). Throws ConnectionError for values out of range.
 */
export function applyPeerSettings(peer: H2PeerSettings, payload: Buffer): number {
  if (payload.length % 6 !== 0) {
    throw new ConnectionError(H2ErrorCode.FRAME_SIZE_ERROR, `SETTINGS frame of ${payload.length} bytes is not a multiple of 6`);
  }
  let windowDelta = 0;
  for (let offset = 0; offset < payload.length; offset += 6) {
    const id = payload.readUInt16BE(offset);
    const value = payload.readUInt32BE(offset + 2);
    switch (id) {
      case SettingId.HEADER_TABLE_SIZE:
        peer.headerTableSize = value;
        break;
      case SettingId.ENABLE_PUSH:
        if (value > 1) throw new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `SETTINGS_ENABLE_PUSH must be 0 or 1, got ${value}`);
        peer.enablePush = value === 1;
        break;
      case SettingId.MAX_CONCURRENT_STREAMS:
        peer.maxConcurrentStreams = value;
        break;
      case SettingId.INITIAL_WINDOW_SIZE:
        if (value > MAX_WINDOW) {
          throw new ConnectionError(H2ErrorCode.FLOW_CONTROL_ERROR, `SETTINGS_INITIAL_WINDOW_SIZE ${value} is above 2^31-1`);
        }
        windowDelta += value - peer.initialWindowSize;
        peer.initialWindowSize = value;
        break;
      case SettingId.MAX_FRAME_SIZE:
        if (value < DEFAULT_MAX_FRAME_SIZE || value > MAX_MAX_FRAME_SIZE) {
          throw new ConnectionError(H2ErrorCode.PROTOCOL_ERROR, `SETTINGS_MAX_FRAME_SIZE ${value} is outside 16384..16777215`);
        }
        peer.maxFrameSize = value;
        break;
      case SettingId.MAX_HEADER_LIST_SIZE:
        peer.maxHeaderListSize = value;
        break;
      default:
        break; // unknown settings are ignored (6.5.2)
    }
  }
  return windowDelta;
}
