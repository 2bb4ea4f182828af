// SOCK_SEQPACKET over AF_UNIX (same addon code as vsock seqpacket).
import { expect } from 'chai';
import { once } from 'node:events';
import { connectSeqpacket, createSeqpacketServer, type SeqpacketSocket } from '@vmrpc/native';
import { expectNoFdLeak, openFdCount, rejection, sha256, socketPath, within } from '../support/checks.js';
import { randomBytes } from 'node:crypto';

describe('seqpacket sockets over Unix', () => {
  let fdBaseline = 0;
  beforeEach(() => {
    fdBaseline = openFdCount();
  });
  afterEach(async () => {
    await expectNoFdLeak(fdBaseline);
  });

  async function echoServer(maxMessageSize?: number) {
    const server = createSeqpacketServer({ maxMessageSize }, (socket) => {
      socket.on('error', () => undefined);
      socket.on('message', (message) => void socket.send(message).catch(() => undefined));
      socket.on('end', () => socket.end());
      socket.on('close', () => undefined);
    });
    const target = `unix:${socketPath('seq')}`;
    await server.listen(target);
    return { server, target };
  }

  it('keeps message boundaries for 500 messages of random sizes, in order', async () => {
    const { server, target } = await echoServer();
    const socket = await connectSeqpacket(target);
    const sent = Array.from({ length: 500 }, () => randomBytes(1 + Math.floor(Math.random() * 8000)));
    const received: Buffer[] = [];
    const done = new Promise<void>((resolve) => {
      socket.on('message', (message) => {
        received.push(message);
        if (received.length === sent.length) resolve();
      });
    });
    await Promise.all(sent.map((message) => socket.send(message)));
    await within(10_000, 'echoes', done);
    expect(received.map((m) => m.length)).to.deep.equal(sent.map((m) => m.length));
    expect(sha256(received)).to.equal(sha256(sent));
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('iterates messages with for await until the peer ends', async () => {
    const server = createSeqpacketServer({}, async (socket) => {
      for (const word of ['one', 'two', 'three']) await socket.send(word);
      socket.end();
    });
    const target = `unix:${socketPath('seq')}`;
    await server.listen(target);
    const socket = await connectSeqpacket(target);
    const words: string[] = [];
    for await (const message of socket) words.push(message.toString());
    expect(words).to.deep.equal(['one', 'two', 'three']);
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('fails with EMSGSIZE instead of cutting a message larger than maxMessageSize', async () => {
    const server = createSeqpacketServer({ maxMessageSize: 1024 });
    const accepted = once(server, 'connection') as Promise<[SeqpacketSocket]>;
    const target = `unix:${socketPath('seq')}`;
    await server.listen(target);
    const client = await connectSeqpacket(target);
    const [peer] = await within(5000, 'accept', accepted);
    const failed = once(peer, 'error');
    await client.send(Buffer.alloc(4096));
    const [error] = (await within(5000, 'EMSGSIZE', failed)) as [Error & { code?: string }];
    expect(error.code).to.equal('EMSGSIZE');
    expect(error.message).to.match(/maxMessageSize/);
    client.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses empty messages and sends after end()', async () => {
    const { server, target } = await echoServer();
    const socket = await connectSeqpacket(target);
    expect((await rejection(socket.send(Buffer.alloc(0)))).code).to.equal('ERR_INVALID_ARG_VALUE');
    socket.end();
    expect((await rejection(socket.send('late'))).code).to.equal('ERR_VMRPC_SOCKET_CLOSED');
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses hybrid vsock targets (streams only)', async () => {
    expect((await rejection(connectSeqpacket('hybrid-vsock:/tmp/v.sock:52'))).code).to.equal('ERR_INVALID_ARG_VALUE');
  });
});
