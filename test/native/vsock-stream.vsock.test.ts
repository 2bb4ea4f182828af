// AF_VSOCK stream sockets on a real kernel: vsock loopback (CID 1) inside the VM harness.
import { expect } from 'chai';
import { VMADDR_CID_ANY, connect, createServer, localCid, type VmServer, type VmSocket } from '@vmrpc/native';
import { nativeBinding } from '@vmrpc/native/testing';
import { getVsockBufferSizes, getVsockConnectTimeout } from '@vmrpc/native/testing';
import { rejection, within } from '../support/checks.js';
import { freshVsockPort, requireVsockTestGuest } from '../support/vsock-gate.js';
import { defineStreamSuite } from './stream-suite.js';

describe('AF_VSOCK stream sockets (vsock loopback)', function () {
  requireVsockTestGuest(this);

  defineStreamSuite({
    listenTarget: () => `vsock:any:${freshVsockPort()}`,
    connectTarget: (server: VmServer) => {
      const address = server.address();
      if (address?.family !== 'vsock') throw new Error('not a vsock server');
      return `vsock:1:${address.port}`;
    },
    refusedTarget: () => `vsock:1:${freshVsockPort()}`,
    bulkBytes: 64 << 20,
    concurrentConnections: 200,
    checkAcceptedPeer: (socket) => {
      const peer = socket.remoteVmAddress;
      expect(peer?.family).to.equal('vsock');
      // The kernel reports the connecting side: over loopback, this machine's CID or CID 1.
      expect([1, localCid()]).to.include((peer as { cid: number }).cid);
      expect((peer as { port: number }).port).to.be.above(0);
    },
  });

  it('reports the local CID (1 with only the loopback transport)', () => {
    const cid = localCid();
    expect(cid).to.be.a('number');
    expect(cid).to.not.equal(VMADDR_CID_ANY);
  });

  it('fails with ENODEV and a hint for a CID no transport reaches', async () => {
    const error = await within(10_000, 'unreachable CID', rejection(connect('vsock:3:1234', { connectTimeout: 5000 })));
    expect(error.code).to.equal('ENODEV');
    expect(error.message).to.contain('vsock:3:1234');
    expect(error.message).to.match(/no vsock transport reaches CID 3/);
  });

  it('reports ECONNREFUSED (not the kernel\'s ECONNRESET) where nothing listens', async () => {
    const error = await within(10_000, 'refused', rejection(connect(`vsock:1:${freshVsockPort()}`)));
    expect(error.code).to.equal('ECONNREFUSED');
  });

  it('applies bufferSize and connectTimeout to the socket (read back from the kernel)', async () => {
    const server = createServer({ bufferSize: 96 * 1024 }, (socket) => accepted.push(socket));
    const accepted: VmSocket[] = [];
    await server.listen(`vsock:any:${freshVsockPort()}`);
    const address = server.address() as { port: number };
    const socket = await connect(`vsock:1:${address.port}`, { dataPath: 'native-handle', bufferSize: 128 * 1024, connectTimeout: 7000 });
    await within(5000, 'accept', (async () => {
      while (accepted.length === 0) await new Promise((r) => setTimeout(r, 10));
    })());
    const binding = nativeBinding();
    const fdOf = (s: VmSocket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;
    expect(getVsockBufferSizes(binding, fdOf(socket), 'client').size).to.equal(128 * 1024);
    expect(getVsockConnectTimeout(binding, fdOf(socket), 'client')).to.equal(7000);
    // Accepted sockets inherit the listener's size.
    expect(getVsockBufferSizes(binding, fdOf(accepted[0]!), 'accepted').size).to.equal(96 * 1024);
    socket.destroy();
    accepted[0]!.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('connects with a fractional connectTimeout (rounded up to whole microseconds; read back from the kernel)', async () => {
    const server = createServer((socket) => socket.destroy());
    await server.listen(`vsock:any:${freshVsockPort()}`);
    const address = server.address() as { port: number };
    const binding = nativeBinding();
    const fdOf = (s: VmSocket): number => (s as unknown as { _handle: { fd: number } })._handle.fd;
    for (const connectTimeout of [1000.0001, 7000.5, 2500.9996]) {
      const socket = await connect(`vsock:1:${address.port}`, { dataPath: 'native-handle', connectTimeout });
      // The kernel keeps it in jiffies (rounded up: up to 10 ms more at HZ=100).
      const readBack = getVsockConnectTimeout(binding, fdOf(socket), 'client');
      expect(readBack, String(connectTimeout)).to.be.within(Math.floor(connectTimeout), Math.ceil(connectTimeout) + 10);
      socket.destroy();
    }
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('servers set the buffer size their accepted sockets inherit', async () => {
    const server = createServer({ bufferSize: 64 * 1024 }, (socket) => socket.end('ok'));
    await server.listen(`vsock:any:${freshVsockPort()}`);
    const address = server.address() as { port: number };
    const socket = await connect(`vsock:1:${address.port}`);
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).to.equal('ok');
    await new Promise<void>((resolve) => server.close(() => resolve()));
    expect(() => createServer({ bufferSize: -1 })).to.throw(RangeError).with.property('code', 'ERR_OUT_OF_RANGE');
  });
});
