// Whole-message seqpacket sends (the vsock path: blocking send(2) off the event loop) must not
// occupy libuv's thread pool: peers that stop reading may block their own sends, never the
// process's fs, dns, zlib and crypto jobs. Driven through the addon on Unix SOCK_SEQPACKET
// sockets switched to blocking mode, exactly as SeqpacketSocket drives vsock ones.
import { expect } from 'chai';
import { createHash, pbkdf2, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { promises as fsp } from 'node:fs';
import * as os from 'node:os';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { encodeUnix, nativeBinding } from '@vmrpc/native/testing';
import { expectNoFdLeak, openFdCount, sha256, socketPath, within } from '../support/checks.js';
import { linuxOnly } from './support/linux-only.js';

const EAGAIN = -os.constants.errno.EAGAIN;
/** More blocked sends than the pool has threads (4 unless UV_THREADPOOL_SIZE says otherwise). */
const BLOCKED_SENDERS = Number(process.env.UV_THREADPOOL_SIZE ?? 4) + 2;

interface Pair {
  client: number;
  peer: number;
}

describe('seqpacket whole-message sends (sender threads)', function () {
  linuxOnly(this);
  const binding = process.platform === 'linux' ? nativeBinding() : undefined!;
  let listener = -1;
  let address: Buffer;
  let fdBaseline = 0;

  beforeEach(() => {
    fdBaseline = openFdCount();
    const { AF_UNIX, SOCK_SEQPACKET } = binding.constants;
    address = encodeUnix({ path: socketPath('send-threads') });
    listener = binding.socket(AF_UNIX, SOCK_SEQPACKET);
    expect(binding.bind(listener, address)).to.equal(0);
    expect(binding.listen(listener, 64)).to.equal(0);
  });

  afterEach(async () => {
    binding.close(listener);
    await expectNoFdLeak(fdBaseline);
  });

  function connectPair(): Pair {
    const client = binding.socket(binding.constants.AF_UNIX, binding.constants.SOCK_SEQPACKET);
    expect(binding.connect(client, address)).to.equal(0);
    const peer = binding.accept(listener);
    expect(peer).to.be.greaterThan(0);
    return { client, peer };
  }

  /** Fills the peer's queue without blocking, then switches the client to blocking sends. */
  function fillUntilFull(pair: Pair): number {
    let messages = 0;
    const filler = Buffer.alloc(32 * 1024, 1);
    for (let rc = 0; rc !== EAGAIN; messages++) {
      rc = binding.sendMessage(pair.client, filler);
      if (rc !== EAGAIN) expect(rc).to.equal(filler.length);
    }
    expect(binding.setBlocking(pair.client, true)).to.equal(0);
    return messages - 1;
  }

  /** Reads the peer's messages until `isLast` says the one just read ends the run. */
  function readMessages(peer: number, isLast: (message: Buffer, count: number) => boolean): Promise<Buffer[]> {
    const received: Buffer[] = [];
    const buffer = Buffer.alloc(256 * 1024);
    return new Promise((resolve, reject) => {
      const poller = new binding.Poller(peer, (status) => {
        if (status < 0) return reject(new Error(`poll failed: ${status}`));
        for (let n = binding.recvMessage(peer, buffer); n !== EAGAIN; n = binding.recvMessage(peer, buffer)) {
          if (n <= 0) return reject(new Error(`recv ended with ${n}`));
          const message = Buffer.from(buffer.subarray(0, n));
          received.push(message);
          if (isLast(message, received.length)) {
            poller.close();
            return resolve(received);
          }
        }
      });
      poller.start(binding.pollEvents.READABLE);
    });
  }

  it(`keeps fs, dns, zlib and crypto working while ${BLOCKED_SENDERS} sends are blocked on peers that stop reading`, async () => {
    const pairs = Array.from({ length: BLOCKED_SENDERS }, () => connectPair());
    const fillers = pairs.map((pair) => fillUntilFull(pair));
    const last = randomBytes(100_000);
    const results: Array<number | undefined> = pairs.map(() => undefined);
    const sent = pairs.map(
      (pair, i) =>
        new Promise<number>((resolve) =>
          binding.sendMessageBlocking(pair.client, last, (n) => {
            results[i] = n;
            resolve(n);
          }),
        ),
    );

    // Every one of these needs a thread of libuv's pool.
    await within(5000, 'crypto.pbkdf2', promisify(pbkdf2)('secret', 'salt', 1000, 32, 'sha256'));
    await within(5000, 'fs.readFile', fsp.readFile('/proc/self/status'));
    await within(5000, 'zlib.gzip', promisify(gzip)(Buffer.alloc(1 << 16)));
    await within(5000, 'dns.lookup', lookup('localhost'));
    expect(results, 'the sends were not blocked: the test proves nothing').to.deep.equal(pairs.map(() => undefined));

    // The peers read again: each blocked send completes with the whole message, intact.
    const received = await within(10_000, 'peers read', Promise.all(pairs.map((pair) => readMessages(pair.peer, (m) => m.length === last.length))));
    expect(await within(5000, 'send callbacks', Promise.all(sent))).to.deep.equal(pairs.map(() => last.length));
    received.forEach((messages, i) => {
      expect(messages.length).to.equal(fillers[i]! + 1);
      expect(sha256(messages.at(-1)!)).to.equal(sha256(last));
    });
    for (const pair of pairs) {
      binding.close(pair.client);
      binding.close(pair.peer);
    }
  });

  it('a blocked send ends with EPIPE when its socket is shut down (how destroy() wakes it)', async () => {
    const pair = connectPair();
    fillUntilFull(pair);
    const result = new Promise<number>((resolve) => binding.sendMessageBlocking(pair.client, Buffer.alloc(1000), resolve));
    binding.shutdown(pair.client, binding.constants.SHUT_RDWR);
    expect(await within(5000, 'woken send', result)).to.equal(-os.constants.errno.EPIPE);
    binding.close(pair.client);
    binding.close(pair.peer);
  });

  it('delivers 2000 messages in order with their boundaries, one sender thread at a time', async () => {
    const pair = connectPair();
    expect(binding.setBlocking(pair.client, true)).to.equal(0);
    const messages = Array.from({ length: 2000 }, (_, i) => randomBytes(1 + ((i * 7919) % 30_000)));
    const reading = readMessages(pair.peer, (_, count) => count === messages.length);
    const started = process.hrtime.bigint();
    for (const message of messages) {
      const n = await new Promise<number>((resolve) => binding.sendMessageBlocking(pair.client, message, resolve));
      expect(n).to.equal(message.length);
    }
    const perMessageUs = Number(process.hrtime.bigint() - started) / 1000 / messages.length;
    const received = await within(10_000, 'all messages', reading);
    expect(received.map((m) => m.length)).to.deep.equal(messages.map((m) => m.length));
    expect(hashAll(received)).to.equal(hashAll(messages));
    // Not a benchmark: a visible figure for the cost of a thread per message.
    console.log(`      (${perMessageUs.toFixed(1)} us per message, send to completion)`);
    binding.close(pair.client);
    binding.close(pair.peer);

  });
});

function hashAll(messages: Buffer[]): string {
  const hash = createHash('sha256');
  for (const message of messages) hash.update(message);
  return hash.digest('hex');
}
