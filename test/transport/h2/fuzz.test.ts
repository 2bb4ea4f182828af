// Random bytes after the preface never throw out of the engine: every connection ends in a clean
// close (onClose once, the socket closed), whatever arrives. Seeds are fixed, so a failure names
// the seed that replays it.
import { createH2Session } from '@vmrpc/transport';
import { expect } from 'chai';
import * as net from 'node:net';
import { socketPath, within } from '../../support/checks.js';
import { HpackEncoder } from './internals.js';
import { checkLeaksAroundEachTest } from './leaks.js';
import { RecordingListener } from './peers.js';
import { PREFACE, RawPeer, randomGenerator, rawFrame } from './raw.js';

const SEEDS = 150;
const encoder = new HpackEncoder();
const VALID_BLOCK = encoder.encode([':method', 'POST', ':scheme', 'http', ':path', '/svc/Fuzz', ':authority', 'x']);

/** Frames of random types, flags, streams and payloads, some of them well-formed enough to reach deep paths. */
function randomFrames(seed: number): Buffer {
  const random = randomGenerator(seed);
  const parts: Buffer[] = [rawFrame(0x4, 0, 0)];
  const count = 1 + random(20);
  for (let i = 0; i < count; i++) {
    const kind = random(4);
    if (kind === 0) {
      // Pure noise: may be a frame header announcing more than ever comes.
      parts.push(Buffer.from(Array.from({ length: random(40) }, () => random(256))));
      continue;
    }
    const type = random(12);
    const flags = random(2) === 0 ? random(256) : [0, 1, 4, 5, 8, 0x20][random(6)];
    const streamId = random(8);
    let payload: Buffer;
    if (kind === 1 && type === 0x1) payload = VALID_BLOCK;
    else if (kind === 1 && (type === 0x8 || type === 0x3)) payload = Buffer.from([0, 0, random(256), random(256)]);
    else payload = Buffer.from(Array.from({ length: random(64) }, () => random(256)));
    parts.push(rawFrame(type, flags, streamId, payload));
  }
  return Buffer.concat(parts);
}

describe('h2 engine: random bytes after the preface', () => {
  checkLeaksAroundEachTest();

  it(`server role: ${SEEDS} seeds of random frames end in a clean close`, async function () {
    this.timeout(60_000);
    const path = socketPath('h2fuzz');
    const closes = new Map<number, Array<Error | undefined>>();
    let seedOfNext = 0;
    const server = net.createServer((socket) => {
      const seed = seedOfNext;
      closes.set(seed, []);
      createH2Session(socket, {
        role: 'server',
        onStream(stream) {
          const listener = new RecordingListener();
          listener.stream = stream;
          stream.sendHeaders([':status', '200'], false); // answer, so writes race the peer's garbage
          return listener;
        },
        onClose: (error) => closes.get(seed)!.push(error),
      });
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      for (let seed = 1; seed <= SEEDS; seed++) {
        seedOfNext = seed;
        const peer = await RawPeer.connect(path);
        peer.socket.end(Buffer.concat([PREFACE, randomFrames(seed)]));
        await within(5000, `seed ${seed}: the engine closes`, peer.closed);
        await within(5000, `seed ${seed}: onClose`, (async () => { while ((closes.get(seed) ?? []).length === 0) await new Promise((resolve) => setImmediate(resolve)); })());
        expect(closes.get(seed), `seed ${seed}: onClose once`).to.have.length(1);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it(`client role: ${SEEDS} seeds of random frames from the server end in a clean close`, async function () {
    this.timeout(60_000);
    const path = socketPath('h2fuzzc');
    let peerOf: ((peer: RawPeer) => void) | undefined;
    const server = net.createServer((socket) => peerOf?.(new RawPeer(socket)));
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const accepted = new Promise<RawPeer>((resolve) => (peerOf = resolve));
        const socket = net.connect(path);
        const closes: Array<Error | undefined> = [];
        const session = createH2Session(socket, { role: 'client', onClose: (error) => closes.push(error) });
        const listener = new RecordingListener();
        listener.stream = session.request([':method', 'GET', ':scheme', 'http', ':path', '/', ':authority', 'x'], false, listener);
        const peer = await within(5000, 'accept', accepted);
        peer.socket.end(randomFrames(seed));
        await within(5000, `seed ${seed}: the engine closes`, peer.closed);
        await within(5000, `seed ${seed}: onClose`, (async () => { while (closes.length === 0) await new Promise((resolve) => setImmediate(resolve)); })());
        expect(closes, `seed ${seed}: onClose once`).to.have.length(1);
        expect(session.closed).to.equal(true);
        expect(listener.ended || listener.reset !== undefined, `seed ${seed}: the stream ended or was reset`).to.equal(true);
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
