// Whole-message seqpacket sends (the vsock path: blocking send(2) on the socket's own sender
// thread) must not occupy libuv's thread pool: peers that stop reading may block their own
// sends, never the process's fs, dns, zlib and crypto jobs. One thread per socket serves all of
// its messages and ends with close(). Driven through the addon on Unix SOCK_SEQPACKET sockets
// switched to blocking mode, exactly as SeqpacketSocket drives vsock ones.
import { expect } from 'chai';
import { createHash, pbkdf2, randomBytes } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import { promises as fsp, readFileSync, readdirSync } from 'node:fs';
import * as os from 'node:os';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import { encodeUnix, nativeBinding, type NativeSeqpacketSender } from '@vmrpc/native/testing';
import { expectNoFdLeak, openFdCount, sha256, socketPath, within } from '../support/checks.js';
import { linuxOnly } from './support/linux-only.js';

const EAGAIN = -os.constants.errno.EAGAIN;
/** More blocked sends than the pool has threads (4 unless UV_THREADPOOL_SIZE says otherwise). */
const BLOCKED_SENDERS = Number(process.env.UV_THREADPOOL_SIZE ?? 4) + 2;

interface Pair {
  client: number;
  peer: number;
}

/** A sender whose every accepted message gets a promise of its result (onSent comes in order). */
interface Sender {
  native: NativeSeqpacketSender;
  send(message: Buffer): Promise<number>;
  /** onSent calls so far (a second one for a message would show up here). */
  calls: number[];
}

/** Threads of this process (Linux /proc). */
function threadIds(): Set<string> {
  return new Set(readdirSync('/proc/self/task'));
}

/** sendto(2), what send(2) calls, in /proc/<tid>/syscall's numbering. */
const SENDTO = process.arch === 'arm64' ? 206 : 44;

/** Waits (bounded) until thread `id` sits in send(2): a blocked send, not one about to start. */
async function blockedInSend(id: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  const current = (): number => Number(readFileSync(`/proc/self/task/${id}/syscall`, 'utf8').split(' ')[0]);
  while (current() !== SENDTO && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(current(), 'the sender thread never blocked in send(2)').to.equal(SENDTO);
}

/** Waits (bounded) until no thread of `started` is left, else throws how many are. */
async function expectThreadsEnded(started: Set<string>, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  const alive = (): string[] => [...threadIds()].filter((id) => started.has(id));
  while (alive().length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
  expect(alive(), 'sender threads still running after close').to.deep.equal([]);
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

  function openSender(fd: number): Sender {
    const waiting: Array<(result: number) => void> = [];
    const calls: number[] = [];
    const native = new binding.SeqpacketSender(fd, (result) => {
      calls.push(result);
      waiting.shift()?.(result);
    });
    return {
      native,
      calls,
      send: (message) =>
        new Promise<number>((resolve, reject) => {
          const rc = native.send(message);
          if (rc < 0) return reject(new Error(`send not accepted: ${rc}`));
          waiting.push(resolve);
        }),
    };
  }

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
    const senders = pairs.map((pair) => openSender(pair.client));
    const last = randomBytes(100_000);
    const results: Array<number | undefined> = pairs.map(() => undefined);
    const sent = senders.map((sender, i) => sender.send(last).then((n) => (results[i] = n)));

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
    pairs.forEach((pair, i) => {
      expect(senders[i]!.native.close(), 'no send in progress').to.equal(true);
      binding.close(pair.client);
      binding.close(pair.peer);
    });
  });

  it('close() with sends queued: the blocked one ends with EPIPE, the rest with ECANCELED, each exactly once; the thread ends', async () => {
    const pair = connectPair();
    fillUntilFull(pair);
    const before = threadIds();
    const sender = openSender(pair.client);
    const results = Array.from({ length: 5 }, () => sender.send(Buffer.alloc(1000)));
    const started = new Set([...threadIds()].filter((id) => !before.has(id)));
    expect(started.size, 'one sender thread for the socket').to.equal(1);
    // The thread takes the first message and blocks in send(2) on the full peer: close() says so.
    await blockedInSend([...started][0]!);
    let idle = sender.native.close();
    expect(idle, 'close() found no send in progress: the test proves nothing').to.equal(false);
    const { EPIPE, ECANCELED } = os.constants.errno;
    expect(await within(5000, 'send results', Promise.all(results))).to.deep.equal([-EPIPE, -ECANCELED, -ECANCELED, -ECANCELED, -ECANCELED]);
    await expectThreadsEnded(started);
    expect(sender.calls, 'one onSent per message').to.have.length(5);
    // Closed: nothing more is accepted, and closing again is harmless.
    expect(sender.native.send(Buffer.alloc(1))).to.equal(-os.constants.errno.EBADF);
    idle = sender.native.close();
    expect(idle).to.equal(true);
    binding.close(pair.client);
    binding.close(pair.peer);
  });

  it('delivers 2000 messages queued back to back in order, with their boundaries and bytes', async () => {
    const pair = connectPair();
    expect(binding.setBlocking(pair.client, true)).to.equal(0);
    const sender = openSender(pair.client);
    const messages = Array.from({ length: 2000 }, (_, i) => randomBytes(1 + ((i * 7919) % 30_000)));
    const reading = readMessages(pair.peer, (_, count) => count === messages.length);
    const results = await within(20_000, 'all sends', Promise.all(messages.map((message) => sender.send(message))));
    expect(results).to.deep.equal(messages.map((m) => m.length));
    const received = await within(10_000, 'all messages', reading);
    expect(received.map((m) => m.length)).to.deep.equal(messages.map((m) => m.length));
    expect(hashAll(received)).to.equal(hashAll(messages));
    expect(sender.calls).to.have.length(messages.length);
    expect(sender.native.close()).to.equal(true);
    binding.close(pair.client);
    binding.close(pair.peer);
  });

  it('sends 2000 messages one after another on one long-lived thread', async () => {
    const pair = connectPair();
    expect(binding.setBlocking(pair.client, true)).to.equal(0);
    const before = threadIds();
    const sender = openSender(pair.client);
    const messages = Array.from({ length: 2000 }, (_, i) => randomBytes(1 + ((i * 7919) % 30_000)));
    const reading = readMessages(pair.peer, (_, count) => count === messages.length);
    const senderThreads = new Set<string>();
    const started = process.hrtime.bigint();
    for (const [i, message] of messages.entries()) {
      expect(await sender.send(message)).to.equal(message.length);
      // Every 100th message: which threads are new since the socket opened (/proc costs time).
      if (i % 100 === 0) for (const id of threadIds()) if (!before.has(id)) senderThreads.add(id);
    }
    const perMessageUs = Number(process.hrtime.bigint() - started) / 1000 / messages.length;
    const received = await within(10_000, 'all messages', reading);
    expect(hashAll(received)).to.equal(hashAll(messages));
    expect(senderThreads.size, 'a thread per message instead of one per socket').to.equal(1);
    expect(sender.native.close()).to.equal(true);
    await expectThreadsEnded(senderThreads);
    // Not a benchmark: a visible figure for the cost of a sequential message.
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
