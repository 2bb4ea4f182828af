// SOCK_SEQPACKET over vsock loopback: boundaries kept on a real kernel (Linux 5.14+).
import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { connectSeqpacket, createSeqpacketServer } from '@vmrpc/native';
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
});
