/**
 * Timeouts a Node timer cannot hold, fractional vsock connect timeouts, and listen()'s
 * AbortSignal after close(), over Unix sockets (the vsock option encoding is checked as bytes:
 * this machine opens no AF_VSOCK socket).
 */
import { getEventListeners, once } from 'node:events';
import { expect } from 'chai';
import { connect, createConnection, createSeqpacketServer, createServer } from '@vmrpc/native';
import { encodeVsockConnectTimeout } from '@vmrpc/native/testing';
import { activeResourceCounts, expectNoFdLeak, openFdCount, rejection, socketPath, within } from '../support/checks.js';

describe('connect timeouts and listen signals', () => {
  let fdBaseline = 0;
  beforeEach(() => (fdBaseline = openFdCount()));
  afterEach(() => expectNoFdLeak(fdBaseline));

  it('refuses a connectTimeout above 2147483647 ms (a Node timer would fire after 1 ms) with ERR_OUT_OF_RANGE', async () => {
    const target = `unix:${socketPath('never')}`;
    for (const connectTimeout of [2 ** 31, 2 ** 40, Number.MAX_VALUE, NaN, 0, -1]) {
      expect(() => createConnection(target, { connectTimeout }), String(connectTimeout))
        .to.throw(RangeError, /options\.connectTimeout.*up to 2147483647, or Infinity for no time limit/)
        .with.property('code', 'ERR_OUT_OF_RANGE');
    }
    const error = await rejection(connect(target, { connectTimeout: 2 ** 31 }));
    expect(error.code).to.equal('ERR_OUT_OF_RANGE');
  });

  it('accepts connectTimeout 2147483647 and Infinity, arming no timer for Infinity', async () => {
    const path = socketPath('t');
    const server = createServer((socket) => socket.end());
    await server.listen(`unix:${path}`);
    try {
      for (const connectTimeout of [0x7fffffff, Infinity]) {
        const timersBefore = activeResourceCounts().Timeout ?? 0;
        const socket = createConnection(`unix:${path}`, { connectTimeout });
        if (connectTimeout === Infinity) expect(activeResourceCounts().Timeout ?? 0).to.equal(timersBefore);
        await within(5000, 'connect', once(socket, 'connect'));
        socket.destroy();
        await once(socket, 'close');
      }
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('encodes a fractional vsock connectTimeout as whole microseconds, rounded up', () => {
    const timeval = (ms: number) => {
      const value = encodeVsockConnectTimeout(ms);
      return [Number(value.readBigInt64LE(0)), Number(value.readBigInt64LE(8))];
    };
    expect(timeval(1500)).to.deep.equal([1, 500_000]);
    expect(timeval(2.5)).to.deep.equal([0, 2500]);
    expect(timeval(10.0005)).to.deep.equal([0, 10_001]);
    expect(timeval(1000.0001)).to.deep.equal([1, 1]);
    expect(timeval(0.0001)).to.deep.equal([0, 1]);
    expect(timeval(0x7fffffff)).to.deep.equal([2147483, 647_000]);
  });

  for (const kind of ['stream', 'seqpacket'] as const) {
    it(`${kind}: listen({ signal }) forgets the signal at close(): aborting it later leaves the next listen() open`, async () => {
      const server = kind === 'stream' ? createServer() : createSeqpacketServer();
      const first = new AbortController();
      await server.listen(`unix:${socketPath('sig')}`, { signal: first.signal });
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await server.listen(`unix:${socketPath('sig2')}`);
      first.abort();
      expect(server.listening).to.equal(true);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });
  }

  it('12 listen/close cycles with one signal leave no abort listener and no warning', async () => {
    const warnings: Error[] = [];
    const onWarning = (warning: Error): number => warnings.push(warning);
    process.on('warning', onWarning);
    const controller = new AbortController();
    const server = createServer();
    try {
      for (let i = 0; i < 12; i++) {
        await server.listen(`unix:${socketPath(`cycle${i}`)}`, { signal: controller.signal });
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
      // A MaxListenersExceededWarning would come on a later tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).to.not.include('MaxListenersExceededWarning');
      expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
