// A hostile or broken client bending HPACK, flow control and stream ids (RFC 9113 5.1, 6.9;
// RFC 7541): connection errors where the RFC asks for them, stream errors that leave the
// connection serving, and a peer that never opens its window costing no more than the queue.
import { H2ErrorCode } from '@vmrpc/transport';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { parseFrames, rawFrame } from './raw.js';
import { REQUEST, closeHostileAfterEach, hostileConnection, opening, u32, type HostileSetup } from './hostile.js';

const END_HEADERS = 0x4;
const END_STREAM = 0x1;
const PING = rawFrame(0x6, 0, 0, Buffer.from('hostile!'));

/** The connection still works: our PING is answered. */
async function stillServing(setup: HostileSetup): Promise<void> {
  setup.peer.socket.write(PING);
  await setup.peer.frame('PING ACK', (frame) => frame.type === 0x6 && (frame.flags & 1) === 1);
  expect((await setup.session()).session.closed).to.equal(false);
}

const COMPRESSION_CASES = [
  { name: 'a dynamic table size update above the announced 4096', block: Buffer.from([0x3f, 0xe1, 0x3f]), message: 'a dynamic table size update to 8192 exceeds the announced 4096' },
  { name: 'an integer of more than 31 bits', block: Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), message: 'an integer in a header block is too large' },
  { name: 'an index beyond the tables', block: Buffer.from([0xbe]), message: 'indexed header field 62 is not in the table' },
  { name: 'Huffman padding of zeros', block: Buffer.from([0x00, 0x81, 0x00, 0x00]), message: 'a Huffman-coded string ends with invalid padding' },
  { name: 'a string longer than its block', block: Buffer.from([0x00, 0x7f, 0x10, 0x61]), message: 'a string of 143 bytes runs past the end of its header block' },
];

describe('h2 engine: a hostile client bending HPACK, windows and stream ids', () => {
  closeHostileAfterEach();

  for (const { name, block, message } of COMPRESSION_CASES) {
    it(`HPACK: ${name} is a COMPRESSION_ERROR of the connection`, async () => {
      const setup = await hostileConnection();
      setup.peer.socket.write(opening([rawFrame(0x1, END_HEADERS, 1, block)]));
      const goaway = await setup.peer.frame('GOAWAY', (frame) => frame.type === 0x7);
      expect(goaway.payload.readUInt32BE(4)).to.equal(H2ErrorCode.COMPRESSION_ERROR);
      expect(goaway.payload.subarray(8).toString()).to.equal(`header block on stream 1 cannot be decoded: ${message}`);
      expect(setup.observed.handlers).to.have.length(0);
    });
  }

  it('a header list over maxHeaderListSize is reset (RST_STREAM ENHANCE_YOUR_CALM, not a retry-inviting REFUSED_STREAM) before a handler runs; the connection goes on', async () => {
    const setup = await hostileConnection({ settings: { maxHeaderListSize: 1024 } });
    // A literal without indexing: new name "x", a value of 2048 bytes (127 + 1 + 15 * 128) of 'a'.
    const big = Buffer.concat([REQUEST, Buffer.from([0x00, 0x01, 0x78, 0x7f, 0x81, 0x0f]), Buffer.alloc(2048, 0x61)]);
    setup.peer.socket.write(opening([rawFrame(0x1, END_HEADERS | END_STREAM, 1, big)]));
    const reset = await setup.peer.frame('RST_STREAM', (frame) => frame.type === 0x3 && frame.streamId === 1);
    expect(reset.payload.readUInt32BE(0)).to.equal(H2ErrorCode.ENHANCE_YOUR_CALM);
    expect(setup.observed.handlers).to.have.length(0);
    await stillServing(setup);
  });

  it('a stream WINDOW_UPDATE overflowing 2^31-1 resets that stream (FLOW_CONTROL_ERROR), and one of 0 another (PROTOCOL_ERROR)', async () => {
    const setup = await hostileConnection();
    setup.peer.socket.write(opening([
      rawFrame(0x1, END_HEADERS, 1, REQUEST),
      rawFrame(0x1, END_HEADERS, 3, REQUEST),
      rawFrame(0x8, 0, 1, u32(0x7fffffff)),
      rawFrame(0x8, 0, 3, u32(0)),
    ]));
    const first = await setup.peer.frame('RST_STREAM 1', (frame) => frame.type === 0x3 && frame.streamId === 1);
    const second = await setup.peer.frame('RST_STREAM 3', (frame) => frame.type === 0x3 && frame.streamId === 3);
    expect(first.payload.readUInt32BE(0)).to.equal(H2ErrorCode.FLOW_CONTROL_ERROR);
    expect(second.payload.readUInt32BE(0)).to.equal(H2ErrorCode.PROTOCOL_ERROR);
    const [one, three] = setup.observed.handlers;
    expect(one.reset?.code).to.equal(H2ErrorCode.FLOW_CONTROL_ERROR);
    expect(one.reset?.error?.message).to.equal("WINDOW_UPDATE makes stream 1's window exceed 2^31-1");
    expect(three.reset?.code).to.equal(H2ErrorCode.PROTOCOL_ERROR);
    await stillServing(setup);
  });

  it('HEADERS on a closed stream and on ids below one already used open nothing; stream id 2^31-1 is served', async () => {
    const setup = await hostileConnection();
    setup.peer.socket.write(opening([
      rawFrame(0x1, END_HEADERS, 1, REQUEST),
      rawFrame(0x3, 0, 1, u32(H2ErrorCode.CANCEL)),
      rawFrame(0x1, END_HEADERS, 1, REQUEST), // closed stream
      rawFrame(0x1, END_HEADERS | END_STREAM, 0x7fffffff, REQUEST), // the last id there is
      rawFrame(0x1, END_HEADERS | END_STREAM, 5, REQUEST), // below it: not a new stream
    ]));
    await stillServing(setup);
    expect(setup.observed.handlers.map((handler) => handler.stream?.id)).to.deep.equal([1, 0x7fffffff]);
    setup.observed.handlers[1].stream!.sendHeaders([':status', '200'], true);
    await setup.peer.frame('response on 2^31-1', (frame) => frame.type === 0x1 && frame.streamId === 0x7fffffff);
  });

  it('a peer that never opens its window: sends stall at the high-water mark, and a reset from either side frees the stream', async () => {
    // The client's SETTINGS give every stream a window of 0: nothing we queue can leave.
    const zeroWindow = rawFrame(0x4, 0, 0, Buffer.from([0x00, 0x04, 0x00, 0x00, 0x00, 0x00]));
    const setup = await hostileConnection({ highWaterMark: 16 * 1024 });
    const streams = 40;
    const frames = [zeroWindow];
    for (let i = 0; i < streams; i++) frames.push(rawFrame(0x1, END_HEADERS | END_STREAM, 2 * i + 1, REQUEST));
    setup.peer.socket.write(opening(frames));
    await within(5000, 'all requests arrive', new Promise<void>((resolve) => {
      const check = (): void => (setup.observed.handlers.length === streams ? resolve() : void setTimeout(check, 5));
      check();
    }));
    const entry = await setup.session();
    for (const handler of setup.observed.handlers) {
      const stream = handler.stream!;
      stream.sendHeaders([':status', '200', 'content-type', 'application/grpc'], false);
      expect(stream.sendData(Buffer.alloc(16 * 1024), false), 'within the high-water mark').to.equal(true);
      expect(stream.sendData(Buffer.alloc(1), false), 'beyond it').to.equal(false);
    }
    await setup.peer.frame('response headers', (frame) => frame.type === 0x1 && frame.streamId === 2 * streams - 1);
    expect(parseFrames(setup.peer.received).filter((frame) => frame.type === 0x0), 'no DATA beyond a window of 0').to.have.length(0);
    // Half are cancelled by the client, half by our side (a deadline, a cancelled call).
    const cancels: Buffer[] = [];
    setup.observed.handlers.forEach((handler, i) => {
      if (i % 2 === 0) cancels.push(rawFrame(0x3, 0, handler.stream!.id, u32(H2ErrorCode.CANCEL)));
      else handler.stream!.reset(H2ErrorCode.CANCEL);
    });
    setup.peer.socket.write(Buffer.concat(cancels));
    await within(5000, 'every stream closed', new Promise<void>((resolve) => {
      const check = (): void => (entry.session.activeStreams === 0 ? resolve() : void setTimeout(check, 5));
      check();
    }));
    // Nothing keeps the closed streams (and their owners) reachable while the window stays shut.
    expect((entry.session as unknown as { waiting: { waiting: unknown[] } }).waiting.waiting, 'streams waiting for a window').to.have.length(0);
    await stillServing(setup);
  });
});
