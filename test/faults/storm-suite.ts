/**
 * Storms: many connections opened at once (some closed at once, some silent, beyond the
 * per-peer limit), and many calls ended early by deadlines and aborts. Afterwards the server
 * serves, and descriptors, handles and memory are back to their baseline.
 */
import { expect } from 'chai';
import { connect } from '@vmrpc/native';
import { RpcError, Status } from '@vmrpc/rpc';
import { within } from '../support/checks.js';
import { carrierLabel, type CarrierKind } from './support/carriers.js';
import { recordFigure } from './support/figures.js';
import { GrpcFixture } from './support/fixture.js';
import { SeededRandom, runSeed } from './support/random.js';
import { expectNoGrowth, snapshot } from './support/resources.js';
import { faultScale, generous } from './support/scale.js';

export function stormSuite(kind: CarrierKind): void {
  const scale = faultScale();
  const carrier = carrierLabel(kind);

  describe(`storms over ${carrier}`, function () {
    this.timeout(generous(120_000));

    it(`connect storm: ${scale.stormSize} connections at once against a 64-per-peer limit`, async () => {
      const before = await snapshot();
      const fixture = await GrpcFixture.start(kind, 'connect-storm', { handshakeTimeoutMs: generous(1000) });
      try {
        const client = fixture.client();
        await client.unary({});
        const settled = await within(generous(60_000), 'the storm', Promise.all(
          Array.from({ length: scale.stormSize }, async (_, i) => {
            try {
              const socket = await connect(fixture.at.dial, { connectTimeout: generous(10_000) });
              socket.on('error', () => undefined);
              // A third close at once, a third stay silent, a third send the preface and wait.
              if (i % 3 === 0) socket.destroy();
              else if (i % 3 === 2) socket.write('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');
              await new Promise<void>((resolve) => {
                if (socket.destroyed) return resolve();
                socket.once('close', () => resolve());
                setTimeout(() => (socket.destroy(), resolve()), generous(2000));
              });
              return 'connected';
            } catch {
              return 'failed';
            }
          }),
        ));
        const answer = await client.unary({ payload: Buffer.from('after the storm') });
        expect(Buffer.from(answer.payload).toString()).to.equal('after the storm');
        const connected = settled.filter((outcome) => outcome === 'connected').length;
        if (kind !== 'hybrid-dial') expect(fixture.refused, 'connections refused by the per-peer limit or the handshake timeout').to.be.greaterThan(0);
        recordFigure({
          group: 'faults',
          what: `connect storm: ${scale.stormSize} connections at once (closed at once, silent, or preface only)`,
          carrier,
          result: `${connected} connected, ${fixture.refused} refused by limits or the handshake timeout, the existing channel served throughout, fds back to baseline`,
          counts: { connections: scale.stormSize },
        });
      } finally {
        await fixture.close();
      }
      await expectNoGrowth(before, { heapBytes: 24 << 20 });
    });

    it(`deadline and abort storm: ${scale.stormSize * 2} calls ended early, then the channel still serves`, async () => {
      const random = new SeededRandom(runSeed()).fork(`abort-${kind}`);
      const before = await snapshot();
      const fixture = await GrpcFixture.start(kind, 'abort-storm');
      const outcomes = new Map<string, number>();
      try {
        const client = fixture.client();
        await client.unary({});
        const calls: Array<Promise<void>> = [];
        for (let i = 0; i < scale.stormSize * 2; i++) {
          const controller = new AbortController();
          const deadline = i % 2 === 0;
          const options = deadline ? { timeoutMs: random.int(1, 40) } : { signal: controller.signal };
          if (!deadline) setTimeout(() => controller.abort(), random.int(0, 40));
          const call =
            i % 4 < 2
              ? client.unary({ delayMs: random.int(0, 80) }, options).then(() => undefined)
              : (async () => {
                  for await (const _ of client.serverStream({ responseCount: 0, responseSize: 256, delayMs: 1 }, options));
                })();
          calls.push(
            call.then(
              () => void outcomes.set('OK', (outcomes.get('OK') ?? 0) + 1),
              (error: unknown) => {
                const code = error instanceof RpcError ? Status[error.code] ?? String(error.code) : `not an RpcError: ${String(error)}`;
                outcomes.set(code, (outcomes.get(code) ?? 0) + 1);
              },
            ),
          );
        }
        await within(generous(60_000), 'every call to settle', Promise.all(calls));
        const unexpected = [...outcomes.keys()].filter((code) => !['OK', 'DEADLINE_EXCEEDED', 'CANCELLED'].includes(code));
        expect(unexpected, JSON.stringify(Object.fromEntries(outcomes))).to.deep.equal([]);
        const answer = await client.unary({ payload: Buffer.from('after') });
        expect(Buffer.from(answer.payload).toString()).to.equal('after');
        await within(generous(10_000), 'the server to end every handler', (async () => {
          while (fixture.log.active > 0) await new Promise((resolve) => setTimeout(resolve, 20));
        })());
      } finally {
        await fixture.close();
      }
      await expectNoGrowth(before, { heapBytes: 24 << 20 });
      recordFigure({
        group: 'faults',
        what: `${scale.stormSize * 2} calls (unary and endless streams) with 1-40 ms deadlines or aborts`,
        carrier,
        result: `${Object.entries(Object.fromEntries(outcomes)).map(([code, n]) => `${n} ${code}`).join(', ')}; every server handler ended; fds and heap back to baseline`,
        counts: { calls: scale.stormSize * 2, faults: scale.stormSize * 2 },
      });
    });
  });
}
