/**
 * The stream-socket behaviour users depend on, as one suite that runs on each family and data
 * path: over Unix sockets on any Linux host, over vsock loopback in the VM harness.
 */
import { expect } from 'chai';
import { once } from 'node:events';
import { connect, createConnection, createServer, type DataPath, type VmServer, type VmSocket } from '@vmrpc/native';
import { activeResourceCounts, drain, expectNoFdLeak, openFdCount, payload, rejection, sha256, within } from '../support/checks.js';

export interface StreamSuiteOptions {
  /** A listen target; a fresh one per call. */
  listenTarget(): string;
  /** How a client reaches a listening server. */
  connectTarget(server: VmServer): string;
  /** A target where nothing listens (ECONNREFUSED expected). */
  refusedTarget(): string;
  bulkBytes: number;
  concurrentConnections: number;
  /** Checks the peer address of an accepted socket. */
  checkAcceptedPeer(socket: VmSocket): void;
  /** Data paths to run the suite on. Default: both. */
  dataPaths?: readonly DataPath[];
  /** Codes a connect to `refusedTarget()` may fail with. Default: ECONNREFUSED. */
  refusedCodes?: readonly string[];
  /** Whether to compare open descriptors before and after (Linux /proc). Default true. */
  countFds?: boolean;
  /** Another leak check after each data path's tests (e.g. keep-alive refs). */
  afterAll?: () => Promise<void> | void;
}

async function echoServer(options: StreamSuiteOptions, dataPath: DataPath): Promise<VmServer> {
  const server = createServer({ dataPath }, (socket) => {
    socket.on('error', () => undefined);
    socket.pipe(socket);
  });
  await server.listen(options.listenTarget());
  return server;
}

async function closeServer(server: VmServer): Promise<void> {
  await within(5000, 'server close', new Promise<void>((resolve) => server.close(() => resolve())));
}

export function defineStreamSuite(options: StreamSuiteOptions): void {
  const countFds = options.countFds ?? true;
  for (const dataPath of options.dataPaths ?? (['native-handle', 'portable'] as const)) {
    describe(`${dataPath} data path`, () => {
      let fdBaseline = 0;
      before(() => {
        if (countFds) fdBaseline = openFdCount();
      });
      after(async () => {
        if (countFds) await expectNoFdLeak(fdBaseline);
        await options.afterAll?.();
      });

      it(`echoes ${options.bulkBytes >> 20} MiB exactly (sha256), written in random chunk sizes`, async () => {
        const server = await echoServer(options, dataPath);
        const socket = await connect(options.connectTarget(server), { dataPath });
        expect(socket.dataPath).to.equal(dataPath);
        const { data, hash } = payload(options.bulkBytes);
        const received = drain(socket);
        for (let offset = 0; offset < data.length; ) {
          const size = 1 + Math.floor(Math.random() * 256 * 1024);
          if (!socket.write(data.subarray(offset, offset + size))) await once(socket, 'drain');
          offset += size;
        }
        socket.end();
        const result = await within(120_000, 'bulk echo', received);
        expect(result.bytes).to.equal(data.length);
        expect(result.hash).to.equal(hash);
        await closeServer(server);
      });

      it(`serves ${options.concurrentConnections} concurrent connections, each checked`, async () => {
        const server = await echoServer(options, dataPath);
        const target = options.connectTarget(server);
        const results = await within(
          120_000,
          'concurrent echoes',
          Promise.all(
            Array.from({ length: options.concurrentConnections }, async () => {
              const { data, hash } = payload(16 * 1024);
              const socket = await connect(target, { dataPath });
              const received = drain(socket);
              socket.end(data);
              return (await received).hash === hash;
            }),
          ),
        );
        expect(results.filter(Boolean).length).to.equal(options.concurrentConnections);
        await closeServer(server);
      });

      it('half-closes: end() shuts the write side while the read side stays open', async () => {
        const request = Buffer.from('question');
        const server = createServer({ dataPath, allowHalfOpen: true }, (socket) => {
          const chunks: Buffer[] = [];
          socket.on('data', (chunk: Buffer) => chunks.push(chunk));
          // 'end' is the client's end(): this side may still write.
          socket.on('end', () => {
            const got = Buffer.concat(chunks);
            socket.end(`answer to ${got.length} bytes ${sha256(got) === sha256(request)}`);
          });
        });
        await server.listen(options.listenTarget());
        const socket = await connect(options.connectTarget(server), { dataPath, allowHalfOpen: true });
        socket.end(request);
        const chunks: Buffer[] = [];
        for await (const chunk of socket) chunks.push(chunk as Buffer);
        expect(Buffer.concat(chunks).toString()).to.equal('answer to 8 bytes true');
        await closeServer(server);
      });

      it('applies backpressure: a paused reader stops the writer, and no byte is lost', async () => {
        const server = createServer({ dataPath, pauseOnConnect: true });
        const accepted = once(server, 'connection') as Promise<[VmSocket]>;
        await server.listen(options.listenTarget());
        const socket = await connect(options.connectTarget(server), { dataPath });
        const [serverSocket] = await within(5000, 'accept', accepted);
        const chunk = Buffer.alloc(64 * 1024, 7);
        let written = 0;
        while (socket.write(chunk)) {
          written += chunk.length;
          expect(written, 'write() never signalled backpressure').to.be.below(256 * 1024 * 1024);
        }
        written += chunk.length;
        const drained = within(30_000, 'drain after resume', once(socket, 'drain'));
        const received = drain(serverSocket);
        serverSocket.resume();
        await drained;
        socket.end();
        socket.resume();
        expect((await within(30_000, 'read all', received)).bytes).to.equal(written);
        await closeServer(server);
      });

      it('reports the peer of an accepted socket', async () => {
        const server = createServer({ dataPath });
        const accepted = once(server, 'connection') as Promise<[VmSocket]>;
        await server.listen(options.listenTarget());
        const socket = await connect(options.connectTarget(server), { dataPath });
        const [peer] = await within(5000, 'accept', accepted);
        options.checkAcceptedPeer?.(peer);
        expect(socket.remoteAddress).to.equal(options.connectTarget(server));
        socket.destroy();
        peer.destroy();
        await closeServer(server);
      });

      it('fails with ECONNREFUSED where nothing listens', async () => {
        const target = options.refusedTarget();
        const error = await within(10_000, 'refused connect', rejection(connect(target, { dataPath, connectTimeout: 5000 })));
        expect(options.refusedCodes ?? ['ECONNREFUSED']).to.include(error.code);
        expect(error.syscall).to.equal('connect');
        expect(error.message).to.contain(target);
      });

      it('aborts: an aborted signal rejects with ABORT_ERR before and during connect', async () => {
        const server = await echoServer(options, dataPath);
        const target = options.connectTarget(server);
        const before = await rejection(connect(target, { dataPath, signal: AbortSignal.abort() }));
        expect(before.code).to.equal('ABORT_ERR');
        expect(before.name).to.equal('AbortError');
        const controller = new AbortController();
        const pending = connect(target, { dataPath, signal: controller.signal });
        controller.abort();
        const during = await within(5000, 'abort', rejection(pending));
        expect(during.code).to.equal('ABORT_ERR');
        await closeServer(server);
      });

      it('createConnection queues writes made while connecting and emits connect', async () => {
        const server = await echoServer(options, dataPath);
        const socket = createConnection(options.connectTarget(server), { dataPath });
        expect(socket.connecting).to.equal(true);
        const connected = once(socket, 'connect');
        socket.end('early bytes');
        await within(5000, 'connect', connected);
        expect((await within(5000, 'echo', drain(socket))).bytes).to.equal(11);
        await closeServer(server);
      });

      it('a peer that vanishes mid-stream ends the other side without a hang', async () => {
        const server = createServer({ dataPath }, (socket) => {
          socket.once('data', () => socket.destroy());
        });
        await server.listen(options.listenTarget());
        const socket = await connect(options.connectTarget(server), { dataPath });
        socket.on('error', () => undefined);
        socket.write(Buffer.alloc(1024));
        const closed = once(socket, 'close');
        socket.resume();
        await within(10_000, 'close after peer vanished', closed);
        await closeServer(server);
      });

      it('server.close() waits for open connections, then emits close', async () => {
        const server = await echoServer(options, dataPath);
        const accepted = once(server, 'connection');
        const socket = await connect(options.connectTarget(server), { dataPath });
        await within(5000, 'accept', accepted);
        let closed = false;
        server.close(() => (closed = true));
        expect(server.listening).to.equal(false);
        await new Promise((resolve) => setTimeout(resolve, 50));
        expect(closed, 'closed while a connection was open').to.equal(false);
        socket.end();
        socket.resume();
        await within(5000, 'server close', (async () => {
          while (!closed) await new Promise((resolve) => setTimeout(resolve, 10));
        })());
      });

      it('leaves no poll handles or timers behind', async () => {
        // Mocha arms its own test timer once the test has started: count from after that.
        await new Promise((resolve) => setImmediate(resolve));
        const before = activeResourceCounts();
        const server = await echoServer(options, dataPath);
        const socket = await connect(options.connectTarget(server), { dataPath, connectTimeout: 5000 });
        const closed = once(socket, 'close');
        socket.end('x');
        await drain(socket);
        await within(5000, 'client close', closed);
        await closeServer(server);
        await new Promise((resolve) => setImmediate(resolve));
        const after = activeResourceCounts();
        for (const kind of ['Timeout', 'PipeWrap']) expect(after[kind] ?? 0, kind).to.be.at.most(before[kind] ?? 0);
      });
    });
  }
}
