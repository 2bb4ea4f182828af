/**
 * HTTP/2 frames (RFC 9113, section 4 and 6): the 9-byte header, the frame types and flags, and
 * builders that write each frame this engine sends into a Buffer.
 */

export const FRAME_HEADER_BYTES = 9;

export const FrameType = {
  DATA: 0x0,
  HEADERS: 0x1,
  PRIORITY: 0x2,
  RST_STREAM: 0x3,
  SETTINGS: 0x4,
  PUSH_PROMISE: 0x5,
  PING: 0x6,
  GOAWAY: 0x7,
  WINDOW_UPDATE: 0x8,
  CONTINUATION: 0x9,
} as const;

/** Frame type names for error messages. */
export const FRAME_NAMES = ['DATA', 'HEADERS', 'PRIORITY', 'RST_STREAM', 'SETTINGS', 'PUSH_PROMISE', 'PING', 'GOAWAY', 'WINDOW_UPDATE', 'CONTINUATION'];

export function frameName(type: number): string {
  return FRAME_NAMES[type] ?? `frame of type 0x${type.toString(16)}`;
}

export const Flag = {
  END_STREAM: 0x1,
  ACK: 0x1,
  END_HEADERS: 0x4,
  PADDED: 0x8,
  PRIORITY: 0x20,
} as const;

export const SettingId = {
  HEADER_TABLE_SIZE: 0x1,
  ENABLE_PUSH: 0x2,
  MAX_CONCURRENT_STREAMS: 0x3,
  INITIAL_WINDOW_SIZE: 0x4,
  MAX_FRAME_SIZE: 0x5,
  MAX_HEADER_LIST_SIZE: 0x6,
} as const;

/** The client connection preface (RFC 9113, 3.4), sent before the client's SETTINGS. */
export const CLIENT_MAGIC = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');

export const DEFAULT_WINDOW = 65535;
export const MAX_WINDOW = 0x7fffffff;
export const DEFAULT_MAX_FRAME_SIZE = 16384;
export const MAX_MAX_FRAME_SIZE = 0xffffff;
export const MAX_STREAM_ID = 0x7fffffff;

export function writeFrameHeader(target: Buffer, offset: number, length: number, type: number, flags: number, streamId: number): void {
  target[offset] = length >>> 16;
  target[offset + 1] = (length >>> 8) & 0xff;
  target[offset + 2] = length & 0xff;
  target[offset + 3] = type;
  target[offset + 4] = flags;
  target.writeUInt32BE(streamId, offset + 5);
}

/** A frame header alone, for frames whose payload is written as its own Buffer (DATA). */
export function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
  writeFrameHeader(header, 0, length, type, flags, streamId);
  return header;
}

/** A whole frame with its payload copied behind the header. */
export function frame(type: number, flags: number, streamId: number, payload: Buffer): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  writeFrameHeader(out, 0, payload.length, type, flags, streamId);
  payload.copy(out, FRAME_HEADER_BYTES);
  return out;
}

/** SETTINGS with the given (id, value) pairs, or an empty ACK. */
export function settingsFrame(pairs: ReadonlyArray<readonly [number, number]>, ack = false): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + pairs.length * 6);
  writeFrameHeader(out, 0, pairs.length * 6, FrameType.SETTINGS, ack ? Flag.ACK : 0, 0);
  let offset = FRAME_HEADER_BYTES;
  for (const [id, value] of pairs) {
    out.writeUInt16BE(id, offset);
    out.writeUInt32BE(value, offset + 2);
    offset += 6;
  }
  return out;
}

export function rstStreamFrame(streamId: number, code: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4);
  writeFrameHeader(out, 0, 4, FrameType.RST_STREAM, 0, streamId);
  out.writeUInt32BE(code, FRAME_HEADER_BYTES);
  return out;
}

export function windowUpdateFrame(streamId: number, increment: number): Buffer {
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 4);
  writeFrameHeader(out, 0, 4, FrameType.WINDOW_UPDATE, 0, streamId);
  out.writeUInt32BE(increment, FRAME_HEADER_BYTES);
  return out;
}

export function pingFrame(payload: Buffer, ack: boolean): Buffer {
  return frame(FrameType.PING, ack ? Flag.ACK : 0, 0, payload);
}

export function goawayFrame(lastStreamId: number, code: number, debug = ''): Buffer {
  const debugBytes = Buffer.from(debug, 'utf8');
  const out = Buffer.allocUnsafe(FRAME_HEADER_BYTES + 8 + debugBytes.length);
  writeFrameHeader(out, 0, 8 + debugBytes.length, FrameType.GOAWAY, 0, 0);
  out.writeUInt32BE(lastStreamId, FRAME_HEADER_BYTES);
  out.writeUInt32BE(code, FRAME_HEADER_BYTES + 4);
  debugBytes.copy(out, FRAME_HEADER_BYTES + 8);
  return out;
}

/**
 * A header block as HEADERS plus as many CONTINUATION frames as `maxFrameSize` needs, all in one
 * Buffer (the frames of one block must not be interleaved with other frames).
 */
export function headerBlockFrames(streamId: number, block: Buffer, endStream: boolean, maxFrameSize: number): Buffer {
  const frames = Math.max(1, Math.ceil(block.length / maxFrameSize));
  const out = Buffer.allocUnsafe(block.length + frames * FRAME_HEADER_BYTES);
  let offset = 0;
  for (let i = 0, start = 0; i < frames; i++, start += maxFrameSize) {
    const length = Math.min(maxFrameSize, block.length - start);
    const type = i === 0 ? FrameType.HEADERS : FrameType.CONTINUATION;
    let flags = i === frames - 1 ? Flag.END_HEADERS : 0;
    if (i === 0 && endStream) flags |= Flag.END_STREAM;
    writeFrameHeader(out, offset, length, type, flags, streamId);
    block.copy(out, offset + FRAME_HEADER_BYTES, start, start + length);
    offset += FRAME_HEADER_BYTES + length;
  }
  return out;
}
