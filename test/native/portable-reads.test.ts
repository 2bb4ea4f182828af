// The portable data path's reads: a small message costs one read(2) into a buffer shared by the
// process's portable sockets (no 64 KiB allocation and no read that says EAGAIN per message), and
// large reads are handed on without a copy while other sockets keep reading, bytes intact.
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import { connect, createServer, type VmServer, type VmSocket } from '@vmrpc/native';
import { nativeBinding, replaceAddonForTests, type NativeBinding } from '@vmrpc/native/testing';
import { payload, sha256, socketPath, within } from '../support/checks.js';
import { linuxOnly } from './support/linux-only.js';

interface ReadCall {
  buffer: Buffer;
  result: number;
}

/** The real addon with its read() recorded. */
function spyOnReads(): ReadCall[] {
  const real = nativeBinding();
  const calls: ReadCall[] = [];
  const spy: NativeBinding = {
    ...real,
    read: (fd, buffer, offset, length) => {
      const result = real.read(fd, buffer, offset, length);
      calls.push({ buffer, result });
      return result;
    },
  };
  replaceAddonForTests(spy);
  return calls;
}

/** A native-handle server (its reads do not go through the spied read); `accepted(n)` resolves with its first n sockets. */
async function serverAt(name: string): Promise<{ server: VmServer; target: string; accepted(count: number): Promise<VmSocket[]> }> {
  const sockets: VmSocket[] = [];
  const arrivals = new EventEmitter();
  const server = createServer({ dataPath: 'native-handle' }, (socket) => {
    sockets.push(socket);
    arrivals.emit('accepted');
  });
  const target = `unix:${socketPath(name)}`;
  await server.listen(target);
  const accepted = (count: number): Promise<VmSocket[]> =>
    within(5000, `${count} connections to be accepted`, new Promise((resolve) => {
      const check = (): void => {
        if (sockets.length < count) return;
        arrivals.off('accepted', check);
        resolve(sockets.slice(0, count));
      };
      arrivals.on('accepted', check);
      check();
    }));
  return { server, target, accepted };
}

function nextData(socket: VmSocket): Promise<Buffer> {
  return new Promise((resolve) => socket.once('data', resolve));
}

describe('portable data path: reads', function () {
  linuxOnly(this);
  let calls: ReadCall[];
  let server: VmServer | undefined;
  const sockets: VmSocket[] = [];
  beforeEach(() => (calls = spyOnReads()));
  afterEach(async () => {
    replaceAddonForTests(undefined);
    for (const socket of sockets.splice(0)) socket.destroy();
    await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())));
    server = undefined;
  });

  it('reads each small message with one read into the same buffer', async () => {
    const at = await serverAt('portable-small-reads');
    server = at.server;
    const client = await connect(at.target, { dataPath: 'portable' });
    sockets.push(client);
    const [peer] = await at.accepted(1);
    const received: Buffer[] = [];
    const before = calls.length;
    for (let i = 0; i < 20; i++) {
      const arrived = nextData(client);
      peer!.write(Buffer.from([i]));
      received.push(await within(5000, `message ${i}`, arrived));
    }
    expect(Buffer.concat(received)).to.deep.equal(Buffer.from(Array.from({ length: 20 }, (_, i) => i)));
    const reads = calls.slice(before);
    // One read per message (not a second one answering EAGAIN), all into one kept buffer.
    expect(reads.map((call) => call.result)).to.deep.equal(new Array(20).fill(1));
    expect(new Set(reads.map((call) => call.buffer)).size).to.equal(1);
  });

  it('keeps bytes intact when sockets interleave large and small reads', async function () {
    this.timeout(20_000);
    const at = await serverAt('portable-mixed-reads');
    server = at.server;
    const clients = [await connect(at.target, { dataPath: 'portable' }), await connect(at.target, { dataPath: 'portable' })];
    sockets.push(...clients);
    const peers = await at.accepted(2);
    // Sizes from 1 byte to 200 KiB so reads are small (copied) and large (handed on) in turn.
    const sizes = [1, 70_000, 3, 200_000, 17_000, 65_536, 5, 131_072, 2, 90_000];
    const sent = peers.map(() => sizes.map((size) => payload(size).data));
    const done = clients.map(
      (client) =>
        new Promise<string>((resolve, reject) => {
          const parts: Buffer[] = [];
          client.on('data', (chunk: Buffer) => parts.push(chunk));
          client.once('end', () => resolve(sha256(parts)));
          client.once('error', reject);
        }),
    );
    for (let i = 0; i < sizes.length; i++) peers.forEach((peer, k) => peer.write(sent[k]![i]!));
    for (const peer of peers) peer.end();
    const hashes = await within(15_000, 'both streams to end', Promise.all(done));
    // Accept order need not be connect order: compare the pair of streams, not who got which.
    expect([...hashes].sort()).to.deep.equal(sent.map((chunks) => sha256(chunks)).sort());
    expect(calls.some((call) => call.result >= 16 * 1024)).to.equal(true, 'some reads were large');
  });
});
