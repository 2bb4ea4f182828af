// The Windows code paths (ConnectEx dial, AcceptEx listener, overlapped Duplex, registry) run
// here against a simulated addon with native/win's completion rules, on any OS. What only a
// real Windows proves runs in *.hvsock.test.ts.
import { expect } from 'chai';
import {
  HV_GUID_LOOPBACK,
  GUEST_COMMUNICATION_SERVICES_KEY,
  HVSOCKET_CONNECTED_SUSPEND,
  connect,
  connectSeqpacket,
  createServer,
  formatTarget,
  listHvsockServices,
  registerHvsockService,
  unregisterHvsockService,
  vsockServiceId,
  type VmSocket,
} from '@vmrpc/native';
import { once } from 'node:events';
import { rejection, within } from '../support/checks.js';
import { freshHvsockServicePort } from '../support/hvsock-gate.js';
import { expectSimulationIdle, useSimulatedHvsock } from '../support/simulated-hvsock.js';
import { defineStreamSuite } from './stream-suite.js';

const HV_PROTOCOL_RAW = 1;

describe('Hyper-V sockets on a simulated Windows addon', function () {
  const addon = useSimulatedHvsock(this);

  describe('stream suite', () => {
    defineStreamSuite({
      listenTarget: () => `hvsock:loopback:${freshHvsockServicePort()}`,
      connectTarget: (server) => formatTarget(server.address()!),
      refusedTarget: () => `hvsock:loopback:${freshHvsockServicePort()}`,
      bulkBytes: 16 << 20,
      concurrentConnections: 100,
      dataPaths: ['portable'],
      checkAcceptedPeer: (socket) => {
        const peer = socket.remoteVmAddress;
        expect(peer?.family).to.equal('hvsock');
        expect((peer as { vmId: string }).vmId).to.equal(HV_GUID_LOOPBACK);
      },
      afterAll: () => expectSimulationIdle(addon()),
    });
  });

  it('always sets HVSOCKET_CONNECT_TIMEOUT: connectTimeout capped at 300000, or hvsock.connectTimeout', async () => {
    const server = createServer((socket) => socket.destroy());
    await server.listen(`hvsock:loopback:${freshHvsockServicePort()}`);
    const target = formatTarget(server.address()!);
    const timeouts: number[] = [];
    for (const options of [{ connectTimeout: 7000 }, { connectTimeout: Infinity }, {}, { hvsock: { connectTimeout: 1234 } }]) {
      addon().optionLog.length = 0;
      const socket = await connect(target, options);
      const set = addon().optionLog.filter(([, level, name]) => level === HV_PROTOCOL_RAW && name === 1);
      expect(set, JSON.stringify(options)).to.have.length(1);
      timeouts.push(set[0]![3]);
      socket.destroy();
    }
    expect(timeouts).to.deep.equal([7000, 300_000, 10_000, 1234]);
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expectSimulationIdle(addon());
  });

  it('sets the flag options asked for, as 32-bit 0/1 values', async () => {
    const server = createServer({ hvsock: { connectedSuspend: true, highVtl: false } }, (socket) => socket.destroy());
    addon().optionLog.length = 0;
    await server.listen(`hvsock:loopback:${freshHvsockServicePort()}`);
    // The listener takes HIGH_VTL; CONNECTED_SUSPEND goes on each connection.
    expect(addon().optionLog.map(([, , name, value]) => [name, value])).to.deep.equal([[8, 0]]);
    addon().optionLog.length = 0;
    const accepted = once(server, 'connection');
    const socket = await connect(formatTarget(server.address()!), { hvsock: { connectedSuspend: true, containerPassthru: true } });
    await within(2000, 'accept', accepted);
    const byName = addon().optionLog.map(([, , name, value]) => [name, value]);
    expect(byName).to.deep.include.members([[4, 1], [2, 1], [1, 10_000]]);
    expect(byName.filter(([name]) => name === 4)).to.have.length(2);
    socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('a connect that never completes ends at connectTimeout with ETIMEDOUT, and its socket is closed', async () => {
    addon().connectsHang = true;
    try {
      const started = Date.now();
      const error = await within(3000, 'timeout', rejection(connect(`hvsock:loopback:${freshHvsockServicePort()}`, { connectTimeout: 200 })));
      expect(error.code).to.equal('ETIMEDOUT');
      expect(error.message).to.match(/no connection within 200 ms/);
      expect(Date.now() - started).to.be.below(1500);
      const controller = new AbortController();
      const pending = connect(`hvsock:loopback:${freshHvsockServicePort()}`, { signal: controller.signal, connectTimeout: Infinity });
      setTimeout(() => controller.abort(), 50);
      expect((await within(2000, 'abort', rejection(pending))).code).to.equal('ABORT_ERR');
      await expectSimulationIdle(addon());
    } finally {
      addon().connectsHang = false;
    }
  });

  it('closes an accepted connection whose HVSOCKET_CONNECTED_SUSPEND Windows refuses, reports it, and keeps accepting', async () => {
    const served: VmSocket[] = [];
    const server = createServer({ hvsock: { connectedSuspend: true } }, (socket) => served.push(socket.end('ok')));
    const errors: Array<Error & { code?: string; syscall?: string }> = [];
    server.on('error', (error) => errors.push(error));
    await server.listen(`hvsock:loopback:${freshHvsockServicePort()}`);
    const target = formatTarget(server.address()!);
    addon().refusedOptions.add(HVSOCKET_CONNECTED_SUSPEND);
    try {
      const refused = await within(3000, 'connect', connect(target));
      const ended = await within(3000, 'refused connection closes', readAll(refused));
      expect(ended, 'the server served a connection without the option').to.equal('');
      expect(errors).to.have.length(1);
      expect(errors[0]).to.include({ code: 'EINVAL', syscall: 'setsockopt' });
      expect(errors[0]!.message).to.include('HVSOCKET_CONNECTED_SUSPEND = 1 was refused');
    } finally {
      addon().refusedOptions.clear();
    }
    const next = await within(3000, 'second connect', connect(target));
    expect(await within(3000, 'next connection', readAll(next))).to.equal('ok');
    expect(served).to.have.length(1);
    for (const socket of served) socket.destroy();
    await within(3000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
    await expectSimulationIdle(addon());
  });

  it('maps Windows errors to Node codes with the Windows name, the target and a hint', async () => {
    const port = freshHvsockServicePort();
    const refused = await rejection(connect(`hvsock:loopback:${port}`));
    expect(refused).to.include({ code: 'ECONNREFUSED', syscall: 'connect', address: `hvsock:loopback:${port}`, winerror: 1225 });
    expect(refused.message).to.equal(`connect ECONNREFUSED hvsock:loopback:${port} (ERROR_CONNECTION_REFUSED; nothing listens on vsock port ${port} in that VM)`);
    const first = createServer();
    await first.listen(`hvsock:loopback:${port}`);
    const second = createServer();
    const inUse = await rejection(second.listen(`hvsock:loopback:${port}`));
    expect(inUse).to.include({ code: 'EADDRINUSE', syscall: 'listen', winerror: 10048 });
    expect(inUse.message).to.contain(`another socket already listens on vsock port ${port}`);
    expect(second.listening).to.equal(false);
    await new Promise<void>((resolve) => first.close(() => resolve()));
    await expectSimulationIdle(addon());
  });

  it('keeps the process alive like node:net: listening servers and sockets with I/O hold refs, unref() releases them', async () => {
    const server = createServer();
    await server.listen(`hvsock:loopback:${freshHvsockServicePort()}`);
    expect(addon().refs).to.equal(1);
    server.unref();
    expect(addon().refs).to.equal(0);
    server.ref();
    const accepted = once(server, 'connection') as Promise<[VmSocket]>;
    const socket = await connect(formatTarget(server.address()!));
    const [peer] = await within(2000, 'accept', accepted);
    // Both ends read: each holds a ref, plus the server's.
    await new Promise((resolve) => setImmediate(resolve));
    expect(addon().refs).to.equal(3);
    socket.unref();
    peer.unref();
    server.unref();
    expect(addon().refs).to.equal(0);
    socket.destroy();
    peer.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expectSimulationIdle(addon());
  });

  it('completes an empty write without sending (a zero-byte send would never finish)', async () => {
    const server = createServer((peer) => peer.pipe(peer));
    await server.listen(`hvsock:loopback:${freshHvsockServicePort()}`);
    const socket = await connect(formatTarget(server.address()!));
    await new Promise<void>((resolve, reject) => socket.write(Buffer.alloc(0), (error) => (error ? reject(error) : resolve())));
    socket.end('after');
    const chunks: Buffer[] = [];
    for await (const chunk of socket) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).to.equal('after');
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  it('refuses seqpacket on Hyper-V sockets (stream only)', async () => {
    const error = await rejection(connectSeqpacket(`hvsock:loopback:${freshHvsockServicePort()}`));
    expect(error.code).to.equal('ERR_VMRPC_UNSUPPORTED_PLATFORM');
    expect(error.message).to.match(/stream sockets only/);
  });

  describe('service registration', () => {
    const key = (id: string): string => `${GUEST_COMMUNICATION_SERVICES_KEY}\\${id}`.toLowerCase();

    it('refuses to write without elevation, before touching the registry', async () => {
      addon().elevated = false;
      try {
        const error = await rejection(registerHvsockService({ service: 5000, name: 'agent' }));
        expect(error.code).to.equal('ERR_VMRPC_ELEVATION_REQUIRED');
        expect(error.message).to.match(/administrator/);
        expect(error.message).to.contain('GuestCommunicationServices');
        expect((await rejection(unregisterHvsockService(5000))).code).to.equal('ERR_VMRPC_ELEVATION_REQUIRED');
        expect(addon().registry.size).to.equal(0);
      } finally {
        addon().elevated = true;
      }
    });

    it('registers by port or GUID, updates names, lists and unregisters (ids in any spelling)', async () => {
      expect(await listHvsockServices()).to.deep.equal([]);
      const first = await registerHvsockService({ service: 5000, name: 'agent' });
      expect(first).to.deep.equal({ service: { serviceId: vsockServiceId(5000), port: 5000, name: 'agent' }, created: true });
      expect(addon().registry.get(key(vsockServiceId(5000)))?.get('ElementName')).to.equal('agent');
      const again = await registerHvsockService({ service: '5000', name: 'renamed' });
      expect(again.created).to.equal(false);
      // A key another tool made with braces and upper case.
      const foreign = 'C5D6E7F8-1111-2222-3333-444455556666';
      addon().registry.set(key(`{${foreign}}`), new Map([['ElementName', 'theirs']]));
      expect(await listHvsockServices()).to.deep.equal([
        { serviceId: vsockServiceId(5000), port: 5000, name: 'renamed' },
        { serviceId: foreign.toLowerCase(), port: undefined, name: 'theirs' },
      ]);
      expect((await registerHvsockService({ service: foreign })).created).to.equal(false);
      expect(await unregisterHvsockService(foreign.toLowerCase())).to.equal(true);
      expect(await unregisterHvsockService(5000)).to.equal(true);
      expect(await unregisterHvsockService(5000)).to.equal(false);
      expect(await listHvsockServices()).to.deep.equal([]);
    });

    it('rejects service arguments that are neither a GUID nor a port', async () => {
      for (const bad of ['x', '-1', '4294967296', '{1234}']) {
        const error = await rejection(registerHvsockService({ service: bad }));
        expect(['ERR_INVALID_ARG_VALUE', 'ERR_OUT_OF_RANGE'], bad).to.include(error.code);
      }
    });
  });
});

async function readAll(socket: VmSocket): Promise<string> {
  const chunks: Buffer[] = [];
  try {
    for await (const chunk of socket) chunks.push(chunk as Buffer);
  } catch {
    // A reset ends the stream as well: what matters is what arrived before it.
  }
  return Buffer.concat(chunks).toString();
}
