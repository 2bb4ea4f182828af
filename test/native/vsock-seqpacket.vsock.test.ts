// SOCK_SEQPACKET over vsock loopback: boundaries kept on a real kernel (Linux 5.14+).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connectSeqpacket, createSeqpacketServer, type SeqpacketSocket, type VmServer } from '@vmrpc/native';
import { expectNoFdLeak, openFdCount, sha256, within } from '../support/checks.js';
import { requireVsockTestGuest } from '../support/vsock-gate.js';

/** A seqpacket server on vsock loopback, any port. */
async function listenLoopback(onSocket: (socket: SeqpacketSocket) => void): Promise<{ server: VmServer<SeqpacketSocket>; port: number }> {
  const server = createSeqpacketServer({}, onSocket);
  await server.listen('vsock:any:any');
  const address = server.address();
  if (address?.family !== 'vsock') throw new Error('not vsock');
  return { server, port: address.port };
}

describe('AF_VSOCK seqpacket sockets (vsock loopback)', function () {
  requireVsockTestGuest(this);

  it('keeps the boundaries of 200 messages of random sizes', async () => {
    const { server, port } = await listenLoopback((socket) => {
      socket.on('message', (message) => void socket.send(message).catch(() => undefined));
    });
    const socket = await connectSeqpacket(`vsock:1:${port}`);
    expect(socket.remoteVmAddress).to.deep.equal({ family: 'vsock', cid: 1, port: port });
    const sent = Array.from({ length: 200 }, () => randomBytes(1 + Math.floor(Math.random() * 16_000)));
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) =>
      socket.on('message', (message) => {
        received.push(message);
        if (received.length === sent.length) resolve();
      }),
    );
    await Promise.all(sent.map((message) => socket.send(message)));
    await within(60_000, 'seqpacket echoes', done);
    expect(received.map((m) => m.length)).to.deep.equal(sent.map((m) => m.length));
    expect(sha256(received)).to.equal(sha256(sent));
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('destroy() ends a send blocked on a peer that never reads, without a hang', async () => {
    const accepted: SeqpacketSocket[] = [];
    const { server, port } = await listenLoopback((socket) => accepted.push(socket.pause()));
    const socket = await connectSeqpacket(`vsock:1:${port}`);
    // Fill the peer's buffer until a send stays pending.
    const sends: Array<Promise<unknown>> = [];
    let pending = false;
    for (let i = 0; i < 200 && !pending; i++) {
      const send = socket.send(randomBytes(32 * 1024)).catch((error: Error) => error);
      sends.push(send);
      pending = await Promise.race([
        send.then((result) => {
          if (result instanceof Error) throw result;
          return false;
        }),
        new Promise<boolean>((resolve) => setTimeout(() => resolve(true), 200)),
      ]);
    }
    expect(pending, 'no send ever blocked').to.equal(true);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.destroy();
    await within(10_000, 'close while a send was blocked', closed);
    const last = (await within(10_000, 'blocked send settles', sends[sends.length - 1]!)) as Error & { code?: string };
    expect(last.code).to.equal('ERR_VMRPC_SOCKET_CLOSED');
    for (const peer of accepted) peer.destroy();
    await within(10_000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
  });

  it('delivers 2000 messages sent back to back in order, bytes intact (one sender thread)', async () => {
    const received: Buffer[] = [];
    const messages = Array.from({ length: 2000 }, (_, i) => randomBytes(1 + ((i * 7919) % 20_000)));
    let allIn!: () => void;
    const done = new Promise<void>((resolve) => (allIn = resolve));
    const { server, port } = await listenLoopback((socket) =>
      socket.on('message', (message) => {
        received.push(message);
        if (received.length === messages.length) allIn();
      }),
    );
    const socket = await connectSeqpacket(`vsock:1:${port}`);
    await within(120_000, 'all sends', Promise.all(messages.map((message) => socket.send(message))));
    await within(60_000, 'all messages', done);
    expect(received.map((m) => m.length)).to.deep.equal(messages.map((m) => m.length));
    expect(sha256(received)).to.equal(sha256(messages));
    socket.destroy();
    await within(10_000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
  });

  it('destroy() with sends queued: each send settles exactly once, with ERR_VMRPC_SOCKET_CLOSED; no fd leak', async () => {
    const fdBaseline = openFdCount();
    const accepted: SeqpacketSocket[] = [];
    const { server, port } = await listenLoopback((socket) => accepted.push(socket.pause()));
    const socket = await connectSeqpacket(`vsock:1:${port}`);
    // Far more than the peer's buffer takes: the thread blocks, the rest wait in its queue.
    const settled: Array<Array<Error | 'sent'>> = Array.from({ length: 64 }, () => []);
    const sends = settled.map((outcomes, i) =>
      socket.send(randomBytes(32 * 1024 + i)).then(
        () => void outcomes.push('sent'),
        (error: Error) => void outcomes.push(error),
      ),
    );
    await within(10_000, 'the first send', sends[0]!);
    const closed = new Promise((resolve) => socket.once('close', resolve));
    socket.destroy();
    await within(10_000, 'close with sends queued', closed);
    await within(10_000, 'every send settles', Promise.all(sends));
    expect(settled.every((outcomes) => outcomes.length === 1), 'a send settled twice or never').to.equal(true);
    const failed = settled.filter(([outcome]) => outcome !== 'sent') as Array<[Error & { code?: string }]>;
    expect(failed.length, 'nothing was queued when destroy() ran: the test proves nothing').to.be.greaterThan(0);
    expect(new Set(failed.map(([error]) => error.code))).to.deep.equal(new Set(['ERR_VMRPC_SOCKET_CLOSED']));
    for (const peer of accepted) peer.destroy();
    await within(10_000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
    await expectNoFdLeak(fdBaseline);
  });
});
