// A compressed bomb never becomes a large buffer on the host (docs/security.md): gzip'd request
// messages of ~1 KiB that inflate to 1 MiB each, many per DATA chunk on several streams of one
// caller connection, to an agent that does not read them. The gateway inflates one message per
// stream at a time, when the one before was taken, within its connection's budget of inflated
// bytes; the host (a process of its own, measured after a full GC) holds a bounded amount, not
// every message inflated. Once the agent reads, every byte arrives, in order.
import { createHash } from 'node:crypto';
import { fork, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { once } from 'node:events';
import * as http2 from 'node:http2';
import * as net from 'node:net';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { GuestAgent } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../../support/checks.js';
import { ConformanceService, Request, Response } from '../generated/vmrpc/testing/v1/conformance.js';

// InflateBudget is not public API: loaded from the built package by file (as host-internals.ts does).
const require = createRequire(import.meta.url);
const { InflateBudget } = require(path.join(path.dirname(require.resolve('@vmrpc/rpc/package.json')), 'dist/agent/gateway/inflate-budget.js')) as typeof import('../../../packages/rpc/dist/agent/gateway/inflate-budget.js');

const HOST_PROCESS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'gateway-host-process.js');
const STREAMS = 8;
const MESSAGES = 16;
const INFLATED = 1 << 20;
const MiB = 2 ** 20;

/** Message `index` of a stream: INFLATED bytes of one value, gzip'd, gRPC-framed with the compressed flag. */
function gzipFrame(index: number): { framed: Buffer; payload: Buffer } {
  const payload = Buffer.alloc(INFLATED, index + 1);
  const compressed = zlib.gzipSync(Request.encode({ payload }));
  const framed = Buffer.alloc(5 + compressed.length);
  framed[0] = 1;
  framed.writeUInt32BE(compressed.length, 1);
  compressed.copy(framed, 5);
  return { framed, payload };
}

/** Client-streaming call on `session` sending `body` at once; resolves with the response and status. */
function clientStream(session: http2.ClientHttp2Session, body: Buffer): Promise<{ status: string | undefined; response: Buffer }> {
  const request = session.request({ ':method': 'POST', ':path': '/vmrpc.testing.v1.Conformance/ClientStream', 'content-type': 'application/grpc', te: 'trailers', 'grpc-encoding': 'gzip', 'vmrpc-agent': 'vm-bomb' });
  const chunks: Buffer[] = [];
  let status: string | undefined;
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('trailers', (trailers) => (status = String(trailers['grpc-status'])));
  request.end(body);
  return new Promise((resolve, reject) => {
    request.on('error', reject);
    request.on('close', () => resolve({ status, response: Buffer.concat(chunks) }));
  });
}

describe('agent gateway: compressed bombs stay small on the host (unix:)', function () {
  this.timeout(30_000);
  let child: ChildProcess | undefined;
  let agent: GuestAgent | undefined;
  let session: http2.ClientHttp2Session | undefined;

  afterEach(async function () {
    session?.destroy();
    await agent?.close(0);
    if (child !== undefined && child.exitCode === null) {
      const exited = once(child, 'exit');
      child.kill();
      await within(5000, 'the host process exits', exited);
    }
  });

  function measure(host: ChildProcess): Promise<number> {
    host.send('measure');
    return within(5000, 'the host measures', new Promise<number>((resolve) => host.once('message', (answer: { arrayBuffers: number }) => resolve(answer.arrayBuffers))));
  }

  it(`${STREAMS} streams x ${MESSAGES} gzip messages inflating to 1 MiB, the agent not reading: the host holds a bounded amount`, async function () {
    const agents = `unix:${socketPath('gw-bomb-agents')}`;
    const admin = socketPath('gw-bomb-admin');
    const host = fork(HOST_PROCESS, [agents, `unix:${admin}`], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    child = host;
    await within(10_000, 'the host process listens', new Promise<void>((resolve) => host.once('message', () => resolve())));

    // Each call reads its first message, then nothing until `release`.
    let firsts = 0;
    let allFirsts!: () => void;
    const firstsIn = new Promise<void>((resolve) => (allFirsts = resolve));
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    agent = new GuestAgent({ id: 'vm-bomb', registrationTimeoutMs: 2000 }).add(ConformanceService, {
      unary: (request) => ({ payload: request.payload }),
      async *serverStream() {},
      async *bidi() {},
      async clientStream(requests) {
        const hash = createHash('sha256');
        let bytes = 0;
        let first = true;
        for await (const request of requests) {
          hash.update(request.payload);
          bytes += request.payload.length;
          if (first && ++firsts === STREAMS) allFirsts();
          if (first) await released;
          first = false;
        }
        return { payload: hash.digest(), bytesReceived: BigInt(bytes) };
      },
    });
    await within(5000, 'the agent registers', agent.connect(agents));
    const before = await measure(host);

    const frames = Array.from({ length: MESSAGES }, (_, index) => gzipFrame(index));
    const body = Buffer.concat(frames.map((frame) => frame.framed));
    expect(body.length, 'what the caller sends per stream').to.be.below(32 * 1024);
    session = http2.connect('http://localhost', { createConnection: () => net.connect(admin) });
    const calls = Array.from({ length: STREAMS }, () => clientStream(session!, body));
    // Measured once the agent has every first message (or, failing that, at the bound, so a
    // failure says what the host holds).
    let bound: NodeJS.Timeout | undefined;
    const reached = await Promise.race([firstsIn.then(() => true), new Promise<false>((resolve) => (bound = setTimeout(resolve, 10_000, false)))]);
    clearTimeout(bound);
    const held = (await measure(host)) - before;
    // Every message inflated would be STREAMS x MESSAGES MiB (128); the budget is the 8 MiB connection window.
    expect(held / MiB, `MiB the host holds (${(held / MiB).toFixed(1)})`).to.be.below(24);
    expect(reached, 'every call has its first message at the agent').to.equal(true);

    release();
    const expected = createHash('sha256').update(Buffer.concat(frames.map((frame) => frame.payload))).digest('hex');
    for (const { status, response } of await within(20_000, 'every call ends', Promise.all(calls))) {
      expect(status).to.equal('0');
      const answer = Response.decode(response.subarray(5));
      expect(Buffer.from(answer.payload).toString('hex')).to.equal(expected);
      expect(answer.bytesReceived).to.equal(BigInt(MESSAGES * INFLATED));
    }
  });
});

describe('agent gateway: the budget of inflated bytes of a caller connection', function () {
  it('grants in the order asked, within the limit; a wait that is given up holds nothing and lets the next through', async function () {
    const budget = new InflateBudget(8);
    const granted: string[] = [];
    const ask = (name: string, bytes: number, signal = new AbortController().signal): Promise<boolean> =>
      budget.acquire(bytes, signal).then((ok) => {
        if (ok) granted.push(name);
        return ok;
      });
    await ask('a', 4);
    await ask('b', 4);
    const cut = new AbortController();
    const c = ask('c', 8, cut.signal);
    const d = ask('d', 2);
    // Full: c waits, and d (small enough for nothing now) waits behind it, in order.
    await Promise.resolve();
    expect(granted).to.deep.equal(['a', 'b']);
    budget.release(4);
    await Promise.resolve();
    expect(granted, 'c is first in line and does not fit yet; d waits behind it').to.deep.equal(['a', 'b']);
    cut.abort();
    expect(await c).to.equal(false);
    expect(await d).to.equal(true);
    expect(granted).to.deep.equal(['a', 'b', 'd']);
    expect(await budget.acquire(1, AbortSignal.abort())).to.equal(false);
    budget.release(4);
    budget.release(2);
    expect(await ask('e', 8)).to.equal(true);
  });
});

