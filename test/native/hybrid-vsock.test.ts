// Host side of hybrid vsock against a STAND-IN of the Firecracker / Cloud Hypervisor muxer
// (test/support/firecracker-muxer-standin.ts), written to the documented protocol.
import { expect } from 'chai';
import { once } from 'node:events';
import * as net from 'node:net';
import { connect, createServer, type VmSocket } from '@vmrpc/native';
import { describeOpenFds, drain, expectNoFdLeak, openFdCount, payload, rejection, sha256, socketPath, within } from '../support/checks.js';
import { FirecrackerMuxerStandIn } from '../support/firecracker-muxer-standin.js';

describe('hybrid vsock (against a Firecracker muxer stand-in)', () => {
  let muxer: FirecrackerMuxerStandIn;
  let fdBaseline = 0;

  beforeEach(async () => {
    fdBaseline = openFdCount();
    if (process.env.VMRPC_DEBUG_FDS === '1') console.log('before:', describeOpenFds());
    muxer = new FirecrackerMuxerStandIn(socketPath('fc'));
    await muxer.start();
  });

  afterEach(async () => {
    await muxer.stop();
    await expectNoFdLeak(fdBaseline);
  });

  for (const dataPath of ['native-handle', 'portable'] as const) {
    it(`connects with CONNECT/OK and echoes 8 MiB exactly (${dataPath})`, async () => {
      muxer.guestListen(52, (guest) => guest.pipe(guest));
      const socket = await connect(`hybrid-vsock:${muxer.udsPath}:52`, { dataPath });
      expect(socket.remoteVmAddress).to.deep.equal({ family: 'hybrid-vsock', path: muxer.udsPath, port: 52 });
      expect(socket.localVmAddress?.family).to.equal('hybrid-vsock');
      expect((socket.localVmAddress as { port: number }).port).to.be.at.least(2 ** 30);
      const { data, hash } = payload(8 << 20);
      const received = drain(socket);
      socket.end(data);
      const result = await within(30_000, 'echo', received);
      expect(result).to.deep.equal({ bytes: data.length, hash });
    });
  }

  it('loses no byte the guest sends right behind OK (same segment)', async () => {
    const greeting = Buffer.from('guest says hello first\n');
    muxer = await restartWith(muxer, { replyOverride: () => Buffer.concat([Buffer.from('OK 1073741824\n'), greeting]) });
    muxer.guestListen(52, (guest) => guest.end());
    const socket = await connect(`hybrid-vsock:${muxer.udsPath}:52`);
    const result = await within(5000, 'read', drain(socket));
    expect(result.hash).to.equal(sha256(greeting));
  });

  it('fails with ECONNREFUSED when no guest process accepts (the VMM closes without a word)', async () => {
    const error = await within(5000, 'refused', rejection(connect(`hybrid-vsock:${muxer.udsPath}:53`)));
    expect(error.code).to.equal('ECONNREFUSED');
    expect(error.message).to.match(/without OK/);
  });

  it('fails with ERR_VMRPC_HANDSHAKE on a garbage reply, and shows it', async () => {
    muxer = await restartWith(muxer, { replyOverride: () => Buffer.from('HTTP/1.1 400 Bad Request\r\n\r\n') });
    muxer.guestListen(52, () => undefined);
    const error = await within(5000, 'garbage', rejection(connect(`hybrid-vsock:${muxer.udsPath}:52`)));
    expect(error.code).to.equal('ERR_VMRPC_HANDSHAKE');
    expect(error.message).to.contain('HTTP/1.1 400');
  });

  it('fails with ERR_VMRPC_HANDSHAKE when the reply has no newline within 32 bytes', async () => {
    muxer = await restartWith(muxer, { replyOverride: () => Buffer.alloc(40, 0x41) });
    muxer.guestListen(52, () => undefined);
    const error = await within(5000, 'long line', rejection(connect(`hybrid-vsock:${muxer.udsPath}:52`)));
    expect(error.code).to.equal('ERR_VMRPC_HANDSHAKE');
  });

  it('bounds a silent VMM with the connect timeout (ETIMEDOUT)', async () => {
    muxer = await restartWith(muxer, { replyOverride: () => 'silent', requestTimeoutMs: 60_000 });
    muxer.guestListen(52, () => undefined);
    const started = Date.now();
    const error = await within(5000, 'timeout', rejection(connect(`hybrid-vsock:${muxer.udsPath}:52`, { connectTimeout: 300 })));
    expect(error.code).to.equal('ETIMEDOUT');
    expect(Date.now() - started).to.be.within(250, 3000);
  });

  it('waits for the rest of a reply cut in two without spinning, then loses no byte behind it', async () => {
    // "OK 10" now, "24\n" and the guest's bytes a turn of the event loop later.
    muxer = await restartWith(muxer, { replyOverride: () => Buffer.from('OK 10') });
    muxer.guestListen(52, (guest) => setImmediate(() => guest.end('24\nguest bytes')));
    const socket = await within(5000, 'connect', connect(`hybrid-vsock:${muxer.udsPath}:52`));
    expect(socket.localVmAddress).to.deep.equal({ family: 'hybrid-vsock', path: muxer.udsPath, port: 1024 });
    expect((await within(5000, 'read', drain(socket))).hash).to.equal(sha256(Buffer.from('guest bytes')));
  });

  it('does not spin on a partial reply ("OK 10", then silence): ETIMEDOUT with the CPU idle', async () => {
    muxer = await restartWith(muxer, { replyOverride: () => Buffer.from('OK 10') });
    muxer.guestListen(52, () => undefined);
    const cpuBefore = process.cpuUsage();
    const started = Date.now();
    const error = await within(5000, 'timeout', rejection(connect(`hybrid-vsock:${muxer.udsPath}:52`, { connectTimeout: 600 })));
    const wallMs = Date.now() - started;
    const cpu = process.cpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    expect(error.code).to.equal('ETIMEDOUT');
    // A level-triggered poll on bytes that stay readable burns the whole wait (cpuMs ~ wallMs).
    expect(cpuMs, `CPU ${cpuMs.toFixed(0)} ms over ${wallMs} ms`).to.be.below(wallMs / 4);
  });

  it('fails at once with ECONNRESET when the VMM closes in the middle of its reply ("OK")', async () => {
    muxer = await restartWith(muxer, { replyOverride: () => Buffer.from('OK') });
    muxer.guestListen(52, (guest) => guest.end());
    const started = Date.now();
    const error = await within(5000, 'reset', rejection(connect(`hybrid-vsock:${muxer.udsPath}:52`, { connectTimeout: 5000 })));
    expect(error.code).to.equal('ECONNRESET');
    expect(error.message).to.contain('in the middle of its reply ("OK")');
    expect(Date.now() - started).to.be.below(2000);
  });

  it('refuses to listen where PATH_PORT is longer than a Unix socket address holds, naming the suffix', async () => {
    const dir = '/tmp/' + 'd'.repeat(90);
    const path = `${dir}/vvvvv.sock`; // 106 bytes: fits alone, not with "_5000"
    expect(Buffer.byteLength(path)).to.equal(106);
    const server = createServer();
    const error = await rejection(server.listen(`hybrid-vsock:${path}:5000`));
    expect(error.code).to.equal('ERR_VMRPC_INVALID_TARGET');
    expect(error.message).to.contain(`"${path}_5000" (the VMM socket path plus "_5000"), 111 bytes, more than the 107`);
    expect(server.listening).to.equal(false);
  });

  it('aborts while waiting for OK', async () => {
    muxer = await restartWith(muxer, { replyOverride: () => 'silent', requestTimeoutMs: 60_000 });
    muxer.guestListen(52, () => undefined);
    const controller = new AbortController();
    const pending = connect(`hybrid-vsock:${muxer.udsPath}:52`, { signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = await within(5000, 'abort', rejection(pending));
    expect(error.code).to.equal('ABORT_ERR');
  });

  it('fails with ENOENT naming the VMM socket when no VMM runs', async () => {
    const error = await rejection(connect('hybrid-vsock:/tmp/vmrpc-no-vmm.sock:52'));
    expect(error.code).to.equal('ENOENT');
    expect(error.message).to.match(/is the VMM running/);
  });

  it('accepts guest-initiated connections on <path>_<port>, with the VMM socket as the peer', async () => {
    const server = createServer();
    const accepted = once(server, 'connection') as Promise<[VmSocket]>;
    await server.listen(`hybrid-vsock:${muxer.udsPath}:1234`);
    expect(server.address()).to.deep.equal({ family: 'hybrid-vsock', path: muxer.udsPath, port: 1234 });
    const guest = await muxer.guestConnect(1234);
    const [socket] = await within(5000, 'accept', accepted);
    expect(socket.remoteVmAddress).to.deep.equal({ family: 'hybrid-vsock', path: muxer.udsPath, port: 1234 });
    const { data, hash } = payload(1 << 20);
    const received = drain(socket);
    guest.end(data);
    expect((await within(10_000, 'guest bytes', received)).hash).to.equal(hash);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a guest connecting where nothing listens is refused (the VMM would reset it)', async () => {
    const error = await rejection(muxer.guestConnect(999));
    expect(['ENOENT', 'ECONNREFUSED']).to.include((error as { code?: string }).code);
  });
});

async function restartWith(
  muxer: FirecrackerMuxerStandIn,
  options: ConstructorParameters<typeof FirecrackerMuxerStandIn>[1],
): Promise<FirecrackerMuxerStandIn> {
  await muxer.stop();
  const replacement = new FirecrackerMuxerStandIn(muxer.udsPath, options);
  await replacement.start();
  return replacement;
}

void net;
