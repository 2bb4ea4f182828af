// SOCK_SEQPACKET over vsock loopback: boundaries kept on a real kernel (Linux 5.14+).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connectSeqpacket, createSeqpacketServer, type SeqpacketSocket } from '@vmrpc/native';
import { sha256, within } from '../support/checks.js';
import { requireVsockTestGuest } from '../support/vsock-gate.js';

describe('AF_VSOCK seqpacket sockets (vsock loopback)', function () {
  requireVsockTestGuest(this);

  it('keeps the boundaries of 200 messages of random sizes', async () => {
    const server = createSeqpacketServer({}, (socket) => {
      socket.on('message', (message) => void socket.send(message).catch(() => undefined));
    });
    await server.listen('vsock:any:any');
    const address = server.address();
    if (address?.family !== 'vsock') throw new Error('not vsock');
    const socket = await connectSeqpacket(`vsock:1:${address.port}`);
    expect(socket.remoteVmAddress).to.deep.equal({ family: 'vsock', cid: 1, port: address.port });
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
    const server = createSeqpacketServer({}, (socket) => accepted.push(socket.pause()));
    await server.listen('vsock:any:any');
    const address = server.address();
    if (address?.family !== 'vsock') throw new Error('not vsock');
    const socket = await connectSeqpacket(`vsock:1:${address.port}`);
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
});
