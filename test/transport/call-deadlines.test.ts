// Client call deadlines on one timer per channel: calls in flight hold one Node timer between
// them (not one each), each deadline still fires on time (the earliest first, a shorter one
// started after a longer one included), and no timer keeps the process alive once calls end.
// The server is a raw node:http2 server that holds every stream open, so that it has no timers
// of its own and only the client's are counted.
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import * as http2 from 'node:http2';
import { createChannel, type VmChannel } from '@vmrpc/transport';
import { activeResourceCounts, socketPath, within } from '../support/checks.js';
import { HTTP2_ENGINES } from './engines.js';

const identity = (value: Buffer): Buffer => value;

function timers(): number {
  return activeResourceCounts()['Timeout'] ?? 0;
}

/** The Node timers holding the process now, counted after mocha armed its own test timeout. */
async function timersAtStart(): Promise<number> {
  await new Promise((resolve) => setImmediate(resolve));
  return timers();
}

describe('client call deadlines (one timer per channel)', () => {
  let server: http2.Http2Server;
  const path = socketPath('deadlines');
  const target = `unix:${path}`;
  /** Streams the server holds open, and a callback when one arrives. */
  const held: http2.ServerHttp2Stream[] = [];
  let arrived: (() => void) | undefined;

  before(async () => {
    server = http2.createServer();
    server.on('stream', (stream) => {
      stream.on('error', () => undefined); // the client resets what it gives up on
      stream.resume();
      held.push(stream);
      arrived?.();
    });
    await new Promise<void>((resolve) => server.listen(path, resolve));
  });

  after(async () => {
    for (const stream of held.splice(0)) stream.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  /** Resolves once the server holds `count` streams. */
  function serverHolds(count: number): Promise<void> {
    return within(5000, `${count} streams at the server`, new Promise<void>((resolve) => {
      const check = (): void => {
        if (held.length >= count) resolve();
      };
      arrived = check;
      check();
    }));
  }

  for (const engine of HTTP2_ENGINES) describe(`${engine} HTTP/2`, () => {
    let channel: VmChannel;
    let client: grpc.Client;
    beforeEach(async () => {
      for (const stream of held.splice(0)) stream.destroy();
      channel = createChannel(target, { http2: engine });
      client = new grpc.Client(target, grpc.credentials.createInsecure(), { channelOverride: channel });
      // Connect first, so the connection's own set-up is not counted.
      await new Promise<void>((resolve, reject) => client.waitForReady(Date.now() + 5000, (error) => (error ? reject(error) : resolve())));
    });
    afterEach(() => client.close());

    function call(deadline: number): Promise<{ code: grpc.status; details: string; at: number }> {
      return new Promise((resolve) => {
        client.makeUnaryRequest('/t.S/Hold', identity, identity, Buffer.from('x'), new grpc.Metadata(), { deadline }, (error) => {
          resolve({ code: error?.code ?? grpc.status.OK, details: error?.details ?? '', at: Date.now() });
        });
      });
    }

    it('calls in flight share one timer, and none is left holding the process once they end', async () => {
      const before = await timersAtStart();
      const calls = Array.from({ length: 20 }, () => call(Date.now() + 600));
      await serverHolds(20);
      expect(timers() - before, 'timers while 20 calls with deadlines are in flight').to.equal(1);
      const results = await within(5000, 'deadlines', Promise.all(calls));
      for (const result of results) expect(result.code, result.details).to.equal(grpc.status.DEADLINE_EXCEEDED);
      expect(timers() - before, 'timers after the calls ended').to.equal(0);
    });

    it('each deadline fires on time: a shorter one started after a longer one, and the longer one after it', async () => {
      const before = await timersAtStart();
      const started = Date.now();
      const long = call(started + 700);
      await serverHolds(1);
      const short = call(started + 250);
      await serverHolds(2);
      const [shortResult, longResult] = await within(5000, 'deadlines', Promise.all([short, long]));
      expect(shortResult.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
      expect(longResult.code).to.equal(grpc.status.DEADLINE_EXCEEDED);
      // Never early; late only by what a loaded machine adds.
      expect(shortResult.at - started).to.be.within(250, 650);
      expect(longResult.at - started).to.be.within(700, 1100);
      expect(timers() - before).to.equal(0);
    });

    it('a call that ends before its deadline leaves no timer holding the process', async () => {
      const before = await timersAtStart();
      const pending = call(Date.now() + 60_000);
      await serverHolds(1);
      expect(timers() - before).to.equal(1);
      const stream = held[0]!;
      stream.respond({ ':status': 200, 'content-type': 'application/grpc' }, { waitForTrailers: true });
      stream.on('wantTrailers', () => stream.sendTrailers({ 'grpc-status': '0' }));
      stream.end(Buffer.from([0, 0, 0, 0, 1, 0x79]));
      const result = await within(5000, 'the call', pending);
      expect(result.code, result.details).to.equal(grpc.status.OK);
      expect(timers() - before).to.equal(0);
    });
  });
});
