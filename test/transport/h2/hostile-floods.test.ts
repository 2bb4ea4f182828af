// Floods a hostile client can aim at the engine in the server role (RFC 9113, 10.5): rapid
// reset (CVE-2023-44487), refused-stream loops, CONTINUATION floods, PING and SETTINGS floods
// from a peer that never reads. Each must end the connection with ENHANCE_YOUR_CALM after a
// bounded amount of work and memory. Raw bytes over real Unix sockets against the real engine.
import { H2ErrorCode } from '@vmrpc/transport';
import { expect } from 'chai';
import { within } from '../../support/checks.js';
import { ANSWER_QUEUE_LIMIT, MAX_ANSWERS_WHILE_BLOCKED, MAX_WASTED_STREAMS_BURST, maxHeaderBlockBytes } from './internals.js';
import { parseFrames, rawFrame } from './raw.js';
import { REQUEST, closeHostileAfterEach, hostileConnection, opening, u32, type HostileSetup } from './hostile.js';

const END_HEADERS = 0x4;
const END_STREAM = 0x1;
const CANCEL = u32(H2ErrorCode.CANCEL);
/** One socket read is at most this much (node:net's 64 KiB reads): the engine holds at most one beyond its bounds. */
const ONE_READ = 64 * 1024;

function goawayCode(setup: HostileSetup): Promise<number> {
  return setup.peer.frame('GOAWAY', (frame) => frame.type === 0x7).then((frame) => frame.payload.readUInt32BE(4));
}

describe('h2 engine: floods from a hostile client', () => {
  closeHostileAfterEach();

  it('rapid reset: streams opened and reset in a loop end the connection after the burst, and handlers stop', async () => {
    const setup = await hostileConnection();
    const attempts = 3 * MAX_WASTED_STREAMS_BURST;
    const frames: Buffer[] = [];
    for (let i = 0; i < attempts; i++) frames.push(rawFrame(0x1, END_HEADERS, 2 * i + 1, REQUEST), rawFrame(0x3, 0, 2 * i + 1, CANCEL));
    setup.peer.socket.write(opening(frames));
    expect(await goawayCode(setup), 'GOAWAY code').to.equal(H2ErrorCode.ENHANCE_YOUR_CALM);
    const error = await setup.closeError();
    expect(error?.h2Code).to.equal(H2ErrorCode.ENHANCE_YOUR_CALM);
    expect(error?.message).to.match(/^the peer reset or had refused more than 1000 streams \(at stream \d+; 33 per second/);
    // The burst, the stream whose reset crossed it and what 33/s refilled meanwhile: never the thousands sent.
    expect(setup.observed.handlers.length).to.be.within(MAX_WASTED_STREAMS_BURST + 1, MAX_WASTED_STREAMS_BURST + 50);
    for (const handler of setup.observed.handlers) expect(handler.reset, 'each handler was told').to.not.equal(undefined);
    await within(5000, 'socket closed', setup.peer.closed);
  });

  it('resets within the burst are a client cancelling calls: the connection goes on serving', async () => {
    const setup = await hostileConnection();
    const frames: Buffer[] = [];
    const resets = MAX_WASTED_STREAMS_BURST - 10;
    for (let i = 0; i < resets; i++) frames.push(rawFrame(0x1, END_HEADERS, 2 * i + 1, REQUEST), rawFrame(0x3, 0, 2 * i + 1, CANCEL));
    const last = 2 * resets + 1;
    frames.push(rawFrame(0x1, END_HEADERS | END_STREAM, last, REQUEST));
    setup.peer.socket.write(opening(frames));
    await within(5000, 'the last request arrives', new Promise<void>((resolve) => {
      const check = (): void => (setup.observed.handlers.length === resets + 1 ? resolve() : void setTimeout(check, 5));
      check();
    }));
    const handler = setup.observed.handlers[resets];
    handler.stream!.sendHeaders([':status', '200'], true);
    const answer = await setup.peer.frame('response HEADERS', (frame) => frame.type === 0x1 && frame.streamId === last);
    expect(answer.flags & END_STREAM).to.equal(END_STREAM);
    expect((await setup.session()).session.closed).to.equal(false);
  });

  it('refused streams: a client that keeps opening beyond maxConcurrentStreams is cut off after the burst', async () => {
    const setup = await hostileConnection({ settings: { maxConcurrentStreams: 1 } });
    const frames: Buffer[] = [];
    for (let i = 0; i < 3 * MAX_WASTED_STREAMS_BURST; i++) frames.push(rawFrame(0x1, END_HEADERS, 2 * i + 1, REQUEST));
    setup.peer.socket.write(opening(frames));
    expect(await goawayCode(setup), 'GOAWAY code').to.equal(H2ErrorCode.ENHANCE_YOUR_CALM);
    expect(setup.observed.handlers.length, 'only the first stream ran').to.equal(1);
    const refused = parseFrames(setup.peer.received).filter((frame) => frame.type === 0x3 && frame.payload.readUInt32BE(0) === H2ErrorCode.REFUSED_STREAM);
    expect(refused.length).to.be.within(MAX_WASTED_STREAMS_BURST, MAX_WASTED_STREAMS_BURST + 50);
    await within(5000, 'socket closed', setup.peer.closed);
  });

  for (const { name, maxHeaderListSize } of [
    { name: 'no maxHeaderListSize announced', maxHeaderListSize: undefined },
    { name: 'maxHeaderListSize 65535 (the agent engine server)', maxHeaderListSize: 65535 },
  ]) {
    const bound = maxHeaderBlockBytes(maxHeaderListSize ?? Infinity);
    it(`CONTINUATION flood with bytes, ${name}: ENHANCE_YOUR_CALM at ${bound} bytes, memory bounded`, async () => {
      const setup = await hostileConnection({ settings: maxHeaderListSize === undefined ? {} : { maxHeaderListSize } });
      const frames = [rawFrame(0x1, 0, 1, REQUEST)];
      const filler = Buffer.alloc(16 * 1024, 0x41);
      for (let sent = 0; sent < 4 * 1024 * 1024; sent += filler.length) frames.push(rawFrame(0x9, 0, 1, filler));
      setup.peer.socket.write(opening(frames));
      expect(await goawayCode(setup), 'GOAWAY code').to.equal(H2ErrorCode.ENHANCE_YOUR_CALM);
      const error = await setup.closeError();
      expect(error?.message).to.equal(`header block on stream 1 exceeds ${bound} bytes (its frames counted with their 9-byte headers)`);
      expect(setup.observed.handlers).to.have.length(0);
      expect(setup.observed.bytesRead, 'bytes the engine read before it closed').to.be.at.most(bound + ONE_READ + 1024); // + the preface, SETTINGS and HEADERS
    });
  }

  it('CONTINUATION flood of empty frames: bounded by the same limit (9 bytes a frame), not endless', async () => {
    const setup = await hostileConnection();
    const bound = maxHeaderBlockBytes(Infinity);
    const empty = rawFrame(0x9, 0, 1);
    const frames = [rawFrame(0x1, 0, 1, REQUEST)];
    for (let i = 0; i < 200_000; i++) frames.push(empty);
    setup.peer.socket.write(opening(frames));
    expect(await goawayCode(setup), 'GOAWAY code').to.equal(H2ErrorCode.ENHANCE_YOUR_CALM);
    expect(setup.observed.bytesRead).to.be.at.most(bound + ONE_READ + 1024); // + the preface, SETTINGS and HEADERS
  });

  for (const { name, frame } of [
    { name: 'PING', frame: rawFrame(0x6, 0, 0, Buffer.alloc(8)) },
    { name: 'SETTINGS', frame: rawFrame(0x4, 0, 0) },
  ]) {
    it(`${name} flood from a peer that never reads: ENHANCE_YOUR_CALM, our queue bounded`, async () => {
      const setup = await hostileConnection();
      setup.peer.socket.pause(); // never reads our answers
      const chunk = Buffer.concat(new Array<Buffer>(4096).fill(frame));
      setup.peer.socket.write(opening());
      const closed = setup.closeError();
      let written = 0;
      let open = true;
      void closed.then(() => (open = false), () => (open = false));
      // Bounded: 64 MiB of flood at most; the engine must give up long before.
      while (open && written < 64 * 1024 * 1024) {
        if (!setup.peer.socket.write(chunk)) await within(10000, 'peer drain', new Promise((resolve) => setup.peer.socket.once('drain', resolve).once('close', resolve)));
        written += chunk.length;
      }
      const error = await closed;
      expect(error?.h2Code, `closed after ${written} flood bytes`).to.equal(H2ErrorCode.ENHANCE_YOUR_CALM);
      expect(error?.message).to.match(new RegExp(`^the peer sent more than ${MAX_ANSWERS_WHILE_BLOCKED} frames needing an answer`));
      // The engine's guarantee, whatever the reads and the machine's load: answers stop counting as
      // free once its queue reaches ANSWER_QUEUE_LIMIT, and it gives up after MAX_ANSWERS_WHILE_BLOCKED
      // more (each at most 17 bytes: a PING ACK), plus the closing GOAWAY with its debug text.
      const GOAWAY_BYTES = 9 + 8 + 256;
      expect(setup.observed.maxQueued, 'bytes queued towards the peer').to.be.below(ANSWER_QUEUE_LIMIT + (MAX_ANSWERS_WHILE_BLOCKED + 1) * 17 + GOAWAY_BYTES);
    });
  }
});
