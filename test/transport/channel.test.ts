// Channel behaviour beyond single calls: connection management, readiness, identity.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { clientOptions as vmClientOptions, createChannel as vmCreateChannel, listen, type ChannelTarget, type VmChannelOptions, type VmGrpcListener } from '@vmrpc/transport';
import { connect } from '@vmrpc/native';
import { expectNoFdLeak, openFdCount, socketPath, within } from '../support/checks.js';
import { FirecrackerMuxerStandIn } from '../support/firecracker-muxer-standin.js';
import { ConformanceClient, conformanceServer, type ServerLog } from './conformance-service.js';
import { unary } from './conformance-suite.js';
import { HTTP2_ENGINES } from './engines.js';

async function expectCode(promise: Promise<unknown>, code: grpc.status): Promise<grpc.ServiceError> {
  try {
    await promise;
  } catch (error) {
    expect((error as grpc.ServiceError).code, (error as grpc.ServiceError).details).to.equal(code);
    return error as grpc.ServiceError;
  }
  throw new Error(`expected ${grpc.status[code]}`);
}

for (const http2 of HTTP2_ENGINES) describe(`VM channel (${http2} HTTP/2)`, () => {
  const createChannel = (target: ChannelTarget, options: VmChannelOptions = {}) => vmCreateChannel(target, { ...options, http2 });
  const clientOptions = (target: ChannelTarget, options: VmChannelOptions = {}) => vmClientOptions(target, { ...options, http2 });
  function makeClient(target: string, grpcOptions: grpc.ChannelOptions = {}): ConformanceClient {
    return new ConformanceClient(target, grpc.credentials.createInsecure(), clientOptions(target, { grpc: grpcOptions })) as never;
  }

  const log: ServerLog = { cancelled: 0, peers: [] };
  const cleanups: Array<() => unknown> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function serve(target: string, options: Parameters<typeof listen>[2] = {}): Promise<VmGrpcListener> {
    const listener = await listen(conformanceServer(log), target, options);
    cleanups.push(() => listener.close(500));
    return listener;
  }

  it('fails fast with UNAVAILABLE, naming the target, when nothing listens', async () => {
    const target = `unix:${socketPath('nobody')}`;
    const client = makeClient(target);
    cleanups.push(() => client.close());
    const error = await within(5000, 'fail fast', expectCode(unary(client, {}), grpc.status.UNAVAILABLE));
    expect(error.details).to.contain(target);
  });

  it('a socket factory that rejects with a gRPC status ends the calls with that status', async () => {
    const refusal = Object.assign(new Error('NOT_FOUND: no such backend'), { code: grpc.status.NOT_FOUND, details: 'no such backend' });
    const client = new ConformanceClient('custom', grpc.credentials.createInsecure(), {
      channelOverride: createChannel(() => Promise.reject(refusal)),
    }) as never as ConformanceClient;
    cleanups.push(() => client.close());
    const error = await within(5000, 'fail fast', expectCode(unary(client, {}), grpc.status.NOT_FOUND));
    expect(error.details).to.equal('no such backend');
    // Any other rejection is UNAVAILABLE, naming the target.
    const plain = new ConformanceClient('custom', grpc.credentials.createInsecure(), {
      channelOverride: createChannel(() => Promise.reject(new Error('no route'))),
    }) as never as ConformanceClient;
    cleanups.push(() => plain.close());
    const unavailable = await within(5000, 'fail fast', expectCode(unary(plain, {}), grpc.status.UNAVAILABLE));
    expect(unavailable.details).to.equal('Failed to connect to custom: no route');
  });

  it('a waitForReady call whose deadline passes before any connection says why it had none', async () => {
    const target = `unix:${socketPath('never')}`;
    const client = makeClient(target, { 'grpc.initial_reconnect_backoff_ms': 50, 'grpc.max_reconnect_backoff_ms': 100 });
    cleanups.push(() => client.close());
    const call = unary(client, {}, new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + 300 });
    const error = await within(5000, 'deadline', expectCode(call, grpc.status.DEADLINE_EXCEEDED));
    expect(error.details).to.match(/^Deadline exceeded while waiting for a connection: Failed to connect to unix:.*never/);
  });

  it('waitForReady calls wait for a server that starts later', async () => {
    const target = `unix:${socketPath('late')}`;
    const client = makeClient(target, { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 200 });
    cleanups.push(() => client.close());
    const call = unary(client, { payload: Buffer.from('patient') }, new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 400));
    await serve(target);
    expect((await within(10_000, 'waitForReady call', call)).payload.toString()).to.equal('patient');
  });

  it('reconnects after the server restarts, and Client#waitForReady follows the states', async () => {
    const target = `unix:${socketPath('restart')}`;
    const listener = await listen(conformanceServer(log), target);
    const client = makeClient(target, { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 200 });
    cleanups.push(() => client.close());
    await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve())));
    expect(client.getChannel().getConnectivityState(false)).to.equal(grpc.connectivityState.READY);
    await unary(client, {});
    await listener.close(200);
    await within(5000, 'notices the loss', (async () => {
      while (client.getChannel().getConnectivityState(false) === grpc.connectivityState.READY) await new Promise((r) => setTimeout(r, 20));
    })());
    await serve(target);
    const response = await within(10_000, 'after restart', unary(client, { payload: Buffer.from('again') }, new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + 10_000 }));
    expect(response.payload.toString()).to.equal('again');
  });

  it('close(graceMs) lets a call in flight finish, refuses new connections, then resolves', async () => {
    const target = `unix:${socketPath('drain')}`;
    const listener = await listen(conformanceServer(log), target);
    const client = makeClient(target);
    cleanups.push(() => client.close());
    await unary(client, {});
    const inFlight = unary(client, { payload: Buffer.from('finish me'), delayMs: 300 });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closed = listener.close(5000);
    expect((await within(5000, 'in-flight call', inFlight)).payload.toString()).to.equal('finish me');
    await within(5000, 'close resolves', closed);
    const late = makeClient(target);
    cleanups.push(() => late.close());
    await within(5000, 'no server after close', expectCode(unary(late, {}), grpc.status.UNAVAILABLE));
  });

  it('a call in flight when the server goes away ends with UNAVAILABLE, not CANCELLED', async () => {
    const target = `unix:${socketPath('vanish')}`;
    const listener = await listen(conformanceServer(log), target);
    const client = makeClient(target);
    cleanups.push(() => client.close());
    await unary(client, {});
    const inFlight = unary(client, { delayMs: 5000 });
    await new Promise((resolve) => setTimeout(resolve, 200));
    void listener.close(0); // no grace: connections are cut
    const error = await within(5000, 'call after server loss', expectCode(inFlight, grpc.status.UNAVAILABLE));
    expect(error.details).to.not.match(/cancel/i);
  });

  it('watchConnectivityState reports a deadline without change, and close() ends waiting calls', async () => {
    const channel = createChannel(`unix:${socketPath('idle')}`);
    expect(channel.getConnectivityState(false)).to.equal(grpc.connectivityState.IDLE);
    const error = await new Promise<Error | undefined>((resolve) => channel.watchConnectivityState(grpc.connectivityState.IDLE, Date.now() + 100, resolve));
    expect(error?.message).to.match(/Deadline/);
    const client = new ConformanceClient('unused', grpc.credentials.createInsecure(), { channelOverride: channel }) as unknown as ConformanceClient;
    const waiting = unary(client, {}, new grpc.Metadata({ waitForReady: true }), { deadline: Date.now() + 10_000 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    channel.close();
    await within(5000, 'closed channel', expectCode(waiting, grpc.status.UNAVAILABLE));
    expect(channel.getConnectivityState(false)).to.equal(grpc.connectivityState.SHUTDOWN);
    expect(() => channel.createCall('/x/y', Infinity, null, null, 0)).to.throw(/shut down/);
  });

  it('authorize() sees the peer first and can refuse it (UNAVAILABLE at the client)', async () => {
    const target = `unix:${socketPath('auth')}`;
    const seen: unknown[] = [];
    const listener = await serve(target, {
      authorize: (peer) => {
        seen.push(peer);
        return false;
      },
    });
    const client = makeClient(target);
    cleanups.push(() => client.close());
    await within(5000, 'refused', expectCode(unary(client, {}), grpc.status.UNAVAILABLE));
    // A Unix client is unnamed; the kernel names its process (SO_PEERCRED).
    expect(seen).to.deep.equal([{ family: 'unix', path: '', pid: process.pid, uid: process.getuid!(), gid: process.getgid!() }]);
    expect(listener.refusedConnections).to.be.at.least(1);
  });

  it('a throwing or slow authorize() refuses instead of hanging', async () => {
    const target = `unix:${socketPath('auth2')}`;
    await serve(target, { authorize: () => new Promise<boolean>(() => undefined), authorizeTimeoutMs: 200 });
    const client = makeClient(target);
    cleanups.push(() => client.close());
    await within(5000, 'refused after timeout', expectCode(unary(client, {}), grpc.status.UNAVAILABLE));
  });

  it('maxConnections closes connections beyond the limit', async () => {
    const target = `unix:${socketPath('limit')}`;
    const listener = await serve(target, { maxConnections: 1 });
    const first = makeClient(target);
    const second = makeClient(target);
    cleanups.push(() => first.close(), () => second.close());
    await unary(first, {});
    await within(5000, 'second refused', expectCode(unary(second, {}), grpc.status.UNAVAILABLE));
    expect(listener.refusedConnections).to.equal(1);
  });

  it('close() lets the connection go: the server sees its socket close, no descriptor stays open', async () => {
    const path = socketPath('close');
    const server = conformanceServer(log);
    const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
    cleanups.push(() => injector.destroy());
    let closed!: () => void;
    const socketClosed = new Promise<void>((resolve) => (closed = resolve));
    const net = await import('node:net');
    const plain = net.createServer((socket) => {
      socket.once('close', () => closed());
      injector.injectConnection(socket);
    });
    await new Promise<void>((resolve) => plain.listen(path, resolve));
    cleanups.push(() => new Promise<void>((resolve) => plain.close(() => resolve())));
    const baseline = openFdCount();
    const client = makeClient(`unix:${path}`);
    expect((await within(5000, 'call', unary(client, { payload: Buffer.from('bye') }))).payload.toString()).to.equal('bye');
    client.close();
    await within(5000, 'the server sees the connection close', socketClosed);
    await expectNoFdLeak(baseline);
  });

  it('accepts a custom socket factory as its target', async () => {
    const target = `unix:${socketPath('factory')}`;
    await serve(target);
    let opened = 0;
    const channel = createChannel(async (signal) => {
      opened++;
      return connect(target, { signal });
    });
    const client = new ConformanceClient('unused', grpc.credentials.createInsecure(), { channelOverride: channel }) as unknown as ConformanceClient;
    cleanups.push(() => client.close());
    expect((await unary(client, { payload: Buffer.from('f') })).payload.toString()).to.equal('f');
    expect(opened).to.equal(1);
    expect(channel.getTarget()).to.equal('custom');
  });

  it('bounds the HTTP/2 handshake: a peer that accepts but never speaks HTTP/2 fails the call', async () => {
    const target = `unix:${socketPath('mute')}`;
    const { createServer } = await import('@vmrpc/native');
    const mute = createServer((socket) => socket.resume()); // accepts, reads, never answers
    await mute.listen(target);
    cleanups.push(() => new Promise<void>((resolve) => mute.close(() => resolve())));
    const channel = createChannel(target, { handshakeTimeoutMs: 300 });
    const client = new ConformanceClient('unused', grpc.credentials.createInsecure(), { channelOverride: channel }) as unknown as ConformanceClient;
    cleanups.push(() => client.close());
    const started = Date.now();
    const error = await within(5000, 'handshake timeout', expectCode(unary(client, {}), grpc.status.UNAVAILABLE));
    expect(error.details).to.match(/handshake/);
    expect(Date.now() - started).to.be.below(3000);
    for (const bad of [0, -1, Infinity, 2 ** 31, Number.NaN]) {
      expect(() => createChannel(target, { handshakeTimeoutMs: bad }), String(bad)).to.throw(RangeError, /handshakeTimeoutMs must be a number of milliseconds from 1 to 2147483647/);
    }
  });

  it('rejects malformed targets when the channel is created', () => {
    expect(() => createChannel('vsock:nope:1')).to.throw(/CID "nope"/);
  });

  it('runs on the HTTP/2 engine its options name (the vmrpc engine by default), and rejects one it does not know', () => {
    expect(createChannel('unix:/nowhere').http2).to.equal(http2);
    expect(vmCreateChannel('unix:/nowhere').http2).to.equal('vmrpc');
    expect(vmCreateChannel('unix:/nowhere', { http2: undefined }).http2).to.equal('vmrpc');
    expect(() => vmCreateChannel('unix:/nowhere', { http2: 'nghttp2' as never })).to.throw(TypeError, /options.http2 must be 'node' or 'vmrpc' \(got "nghttp2"\)/);
  });

  describe('over hybrid vsock (Firecracker muxer stand-in)', () => {
    it('host -> guest: a channel on hybrid-vsock:PATH:PORT reaches a gRPC server in the "guest"', async () => {
      const muxer = new FirecrackerMuxerStandIn(socketPath('fc'));
      await muxer.start();
      cleanups.push(() => muxer.stop());
      const server = conformanceServer(log);
      const injector = server.createConnectionInjector(grpc.ServerCredentials.createInsecure());
      cleanups.push(() => injector.destroy());
      muxer.guestListen(5000, (guestSide) => injector.injectConnection(guestSide));
      const client = makeClient(`hybrid-vsock:${muxer.udsPath}:5000`);
      cleanups.push(() => client.close());
      expect((await within(10_000, 'hybrid call', unary(client, { payload: Buffer.from('to guest') }))).payload.toString()).to.equal('to guest');
    });

    it('guest -> host: listen() on hybrid-vsock:PATH:PORT, and getPeer() names the VMM socket', async () => {
      const muxer = new FirecrackerMuxerStandIn(socketPath('fc'));
      await muxer.start();
      cleanups.push(() => muxer.stop());
      await serve(`hybrid-vsock:${muxer.udsPath}:1234`);
      const channel = createChannel(() => muxer.guestConnect(1234));
      const client = new ConformanceClient('unused', grpc.credentials.createInsecure(), { channelOverride: channel }) as unknown as ConformanceClient;
      cleanups.push(() => client.close());
      const response = await within(10_000, 'guest call', unary(client, {}));
      expect(response.peer).to.equal(`hybrid-vsock:${muxer.udsPath}:1234`);
    });
  });
});
