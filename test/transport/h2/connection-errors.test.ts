// What a peer must never send ends the connection: GOAWAY with the right code, then the socket
// closes, and onClose gets an error naming the frame and the rule. The engine is the server
// here; the client is raw bytes over a real Unix socket.
import { H2ErrorCode, type H2Error, type H2SessionOptions } from '@vmrpc/transport';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { HpackEncoder } from './internals.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { RecordingListener, engineServer } from './peers.js';
import { PREFACE, RawPeer, rawFrame } from './raw.js';

const SETTINGS = rawFrame(0x4, 0, 0);
const REQUEST = new HpackEncoder().encode([':method', 'POST', ':scheme', 'http', ':path', '/svc/M', ':authority', 'x']);
const u32 = (value: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(value);
  return out;
};

interface Case {
  name: string;
  frames: Buffer[];
  code: number;
  message: string;
  options?: Partial<H2SessionOptions>;
}

const CASES: Case[] = [
  { name: 'a first frame other than SETTINGS', frames: [rawFrame(0x6, 0, 0, Buffer.alloc(8))], code: H2ErrorCode.PROTOCOL_ERROR, message: "the peer's first frame must be SETTINGS, got PING" },
  { name: 'a frame inside a header block', frames: [SETTINGS, rawFrame(0x1, 0, 1, REQUEST), rawFrame(0x6, 0, 0, Buffer.alloc(8))], code: H2ErrorCode.PROTOCOL_ERROR, message: 'PING frame on stream 0 interrupts the header block of stream 1' },
  { name: 'CONTINUATION without HEADERS', frames: [SETTINGS, rawFrame(0x9, 4, 1, REQUEST)], code: H2ErrorCode.PROTOCOL_ERROR, message: 'CONTINUATION frame on stream 1 does not follow a HEADERS frame of that stream' },
  { name: 'a client opening an even stream', frames: [SETTINGS, rawFrame(0x1, 4, 2, REQUEST)], code: H2ErrorCode.PROTOCOL_ERROR, message: 'HEADERS frame on even stream 2: clients open odd streams' },
  { name: 'DATA on an idle stream', frames: [SETTINGS, rawFrame(0x0, 0, 5, Buffer.alloc(3))], code: H2ErrorCode.PROTOCOL_ERROR, message: 'DATA frame on stream 5, which is not open' },
  {
    name: 'DATA beyond the stream window',
    options: { settings: { initialWindowSize: 100 } },
    frames: [SETTINGS, rawFrame(0x1, 4, 1, REQUEST), rawFrame(0x0, 0, 1, Buffer.alloc(200))],
    code: H2ErrorCode.FLOW_CONTROL_ERROR,
    message: 'DATA frame on stream 1 larger than the flow-control window (200 > 100)',
  },
  { name: 'a connection WINDOW_UPDATE of 0', frames: [SETTINGS, rawFrame(0x8, 0, 0, u32(0))], code: H2ErrorCode.PROTOCOL_ERROR, message: 'WINDOW_UPDATE of the connection with an increment of 0' },
  { name: 'a connection window above 2^31-1', frames: [SETTINGS, rawFrame(0x8, 0, 0, u32(0x7fffffff))], code: H2ErrorCode.FLOW_CONTROL_ERROR, message: "WINDOW_UPDATE makes the connection's window exceed 2^31-1" },
  { name: 'SETTINGS of a bad length', frames: [rawFrame(0x4, 0, 0, Buffer.alloc(5))], code: H2ErrorCode.FRAME_SIZE_ERROR, message: 'SETTINGS frame of 5 bytes is not a multiple of 6' },
  { name: 'SETTINGS on a stream', frames: [SETTINGS, rawFrame(0x4, 0, 1)], code: H2ErrorCode.PROTOCOL_ERROR, message: 'SETTINGS frame on stream 1 (it belongs on stream 0)' },
  { name: 'PUSH_PROMISE', frames: [SETTINGS, rawFrame(0x5, 4, 1, Buffer.alloc(4))], code: H2ErrorCode.PROTOCOL_ERROR, message: 'PUSH_PROMISE on stream 1: server push is disabled' },
  { name: 'an undecodable header block', frames: [SETTINGS, rawFrame(0x1, 4, 1, Buffer.from([0x80]))], code: H2ErrorCode.COMPRESSION_ERROR, message: 'header block on stream 1 cannot be decoded: indexed header field 0 is not in the table' },
  { name: 'RST_STREAM of a bad length', frames: [SETTINGS, rawFrame(0x1, 4, 1, REQUEST), rawFrame(0x3, 0, 1, Buffer.alloc(3))], code: H2ErrorCode.FRAME_SIZE_ERROR, message: 'RST_STREAM frame on stream 1 of 3 bytes (must be 4)' },
  { name: 'padding longer than the frame', frames: [SETTINGS, rawFrame(0x1, 4 | 8, 1, Buffer.from([9, 0x82]))], code: H2ErrorCode.PROTOCOL_ERROR, message: 'HEADERS frame on stream 1 has more padding than payload' },
];

describe('h2 engine: connection errors (server role, raw client)', () => {
  checkLeaksAroundEachTest();
  for (const { name, frames, code, message, options } of CASES) {
    it(`${name}: GOAWAY(${code}) and a clear error`, async () => {
      const resets: Array<[number, string | undefined]> = [];
      const server = await engineServer({
        ...options,
        onStream(stream) {
          const listener = new RecordingListener();
          listener.stream = stream;
          listener.onReset = (resetCode, error) => resets.push([resetCode, (error as H2Error | undefined)?.code]);
          return listener;
        },
      });
      try {
        const peer = await RawPeer.connect(server.path);
        peer.socket.write(Buffer.concat([PREFACE, ...frames]));
        const goaway = await peer.frame('GOAWAY', (frame) => frame.type === 0x7);
        expect(goaway.payload.readUInt32BE(4), 'GOAWAY code').to.equal(code);
        expect(goaway.payload.subarray(8).toString(), 'GOAWAY debug data').to.equal(message);
        const error = (await within(5000, 'onClose', server.sessions[0].closed)) as H2Error;
        expect(error.code).to.equal('ERR_VMRPC_HTTP2_PROTOCOL');
        expect(error.h2Code).to.equal(code);
        expect(error.message).to.equal(message);
        for (const reset of resets) expect(reset).to.deep.equal([code, 'ERR_VMRPC_HTTP2_PROTOCOL']);
        await within(5000, 'socket closed', peer.closed);
      } finally {
        await server.close();
      }
    });
  }
});
