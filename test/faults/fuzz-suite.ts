/**
 * Bad input at every listener: random bytes and structured mutations (fuzz-inputs.ts) at raw
 * sockets, gRPC servers, the agent host and the host's hybrid vsock dialer, with a seeded
 * generator (the seed is printed; VMRPC_FAULTS_SEED replays a run). While the storm runs a
 * normal client keeps calling and must be served; afterwards descriptors and handles are back
 * to their baseline. Any crash of the listener would fail the test (it runs in this process).
 */
import { expect } from 'chai';
import * as grpc from '@grpc/grpc-js';
import { connect } from '@vmrpc/native';
import { AgentHost, GuestAgent, closeClient } from '@vmrpc/rpc';
import { within } from '../support/checks.js';
import { FirecrackerMuxerStandIn } from '../support/firecracker-muxer-standin.js';
import { socketPath } from '../support/checks.js';
import { EchoService } from '../rpc/generated/vmrpc/echo/v1/echo.js';
import { carrierLabel, endpoint, serveRaw, type CarrierKind } from './support/carriers.js';
import { recordFigure } from './support/figures.js';
import { GrpcFixture } from './support/fixture.js';
import { expectedHybridOutcome, fuzzInput, hybridReply } from './support/fuzz-inputs.js';
import { fuzzStorm, steadyCalls, type StormTally } from './support/fuzz-sender.js';
import { SeededRandom, runSeed } from './support/random.js';
import { expectNoGrowth, snapshot } from './support/resources.js';
import { faultScale, generous } from './support/scale.js';

const CONCURRENCY = 24;

function describeTally(tally: StormTally): string {
  return `${tally.inputs} inputs: ${tally.closedByListener} closed by the listener, ${tally.heldOpen} still waiting for bytes when dropped, ${tally.connectFailed} refused at connect`;
}

/** Shares of the run's inputs: raw listeners 10%, gRPC 40%, agent host 30%, hybrid dialer 20%. */
function share(fraction: number, parts: number): number {
  return Math.max(50, Math.round((faultScale().fuzzInputs * fraction) / parts));
}

export function fuzzSuite(kinds: readonly CarrierKind[], options: { agentTarget: (name: string) => { listen: string; dial: string }; hybridDialer: boolean }): void {
  const waitMs = generous(25);

  describe('bad input at every listener', function () {
    this.timeout(generous(180_000));
    // grpc-js logs every malformed metadata value it drops, whole (up to the 64 KiB header limit):
    // thousands of such lines would bury the run's output. docs/security.md notes this.
    before(() => grpc.setLogVerbosity(grpc.logVerbosity.NONE));
    after(() => grpc.setLogVerbosity(grpc.logVerbosity.ERROR));

    for (const kind of kinds) {
      const carrier = carrierLabel(kind);

      it(`raw socket listener over ${carrier}: random bytes`, async () => {
        const seed = runSeed();
        const random = new SeededRandom(seed).fork(`raw-${kind}`);
        const at = endpoint(kind, 'fuzz-raw');
        const before = await snapshot();
        const served = await serveRaw(at, (socket) => {
          socket.on('error', () => undefined);
          socket.pipe(socket);
        });
        const tally = await fuzzStorm(at.dial, share(0.1, kinds.length), random, (r) => fuzzInput(r, 'random'), { concurrency: CONCURRENCY, waitMs });
        // Still serving: an echo after the storm.
        const socket = await connect(at.dial);
        const echoed = new Promise<Buffer>((resolve) => socket.once('data', resolve));
        socket.write('still there');
        expect((await within(5000, 'echo after the storm', echoed)).toString()).to.equal('still there');
        socket.destroy();
        await served.close();
        await expectNoGrowth(before, { heapBytes: 32 << 20 });
        expect(tally.connectFailed, `seed ${seed}`).to.equal(0);
        recordFigure({ group: 'fuzz', what: 'raw @vmrpc/native listener (echo)', carrier, result: describeTally(tally), counts: { inputs: tally.inputs } });
      });

      it(`gRPC server (@vmrpc/rpc over listen()) over ${carrier}: HTTP/2 and gRPC frames, mutated and random`, async () => {
        const seed = runSeed();
        const random = new SeededRandom(seed).fork(`grpc-${kind}`);
        const before = await snapshot();
        const fixture = await GrpcFixture.start(kind, 'fuzz-grpc');
        try {
          const client = fixture.client();
          await client.unary({ payload: Buffer.from('warm') });
          const steady = steadyCalls(async (i) => {
            const answer = await client.unary({ payload: Buffer.from(`steady ${i}`) }, { timeoutMs: generous(10_000) });
            expect(Buffer.from(answer.payload).toString()).to.equal(`steady ${i}`);
          });
          const tally = await fuzzStorm(fixture.at.dial, share(0.4, kinds.length), random, (r) => fuzzInput(r, r.next() < 0.85 ? 'http2' : 'random'), { concurrency: CONCURRENCY, waitMs });
          const served = await steady.stop();
          expect(served, 'calls of the steady client during the storm').to.be.greaterThan(0);
          recordFigure({ group: 'fuzz', what: 'gRPC server (typed @vmrpc/rpc server, listen() defaults)', carrier, result: `${describeTally(tally)}; a steady client made ${served} calls meanwhile, all answered`, counts: { inputs: tally.inputs, calls: served } });
        } finally {
          await fixture.close();
        }
        await expectNoGrowth(before, { heapBytes: 32 << 20 });
      });
    }

    it('agent host listener: corrupted link prefaces, HTTP/2 and random bytes', async () => {
      const seed = runSeed();
      const random = new SeededRandom(seed).fork('agent');
      const { listen, dial } = options.agentTarget('fuzz-agents');
      const before = await snapshot();
      const host = new AgentHost({ maxConnectionsPerPeer: 256, heartbeatIntervalMs: 1000 });
      const agent = new GuestAgent({ id: 'steady', reconnect: { initialMs: 50, maxMs: 200 } }).add(EchoService, {
        say: (request) => ({ message: `steady: ${request.message}` }),
        async *repeat() {},
      });
      try {
        await host.listen(listen);
        await agent.connect(dial);
        await host.waitFor('steady', { timeoutMs: generous(10_000) });
        const echo = host.agent('steady').client(EchoService);
        const steady = steadyCalls(async (i) => {
          const answer = await echo.say({ message: `${i}` }, { timeoutMs: generous(10_000) });
          expect(answer.message).to.equal(`steady: ${i}`);
        });
        const tally = await fuzzStorm(dial, share(0.3, 1), random, (r) => fuzzInput(r, r.pick(['link', 'link', 'http2', 'random'] as const)), { concurrency: CONCURRENCY, waitMs });
        const served = await steady.stop();
        expect(host.get('steady')?.state, 'the steady agent stays online').to.equal('online');
        closeClient(echo);
        recordFigure({ group: 'fuzz', what: 'agent host listener (AgentHost.listen)', carrier: dial.startsWith('vsock') ? 'vsock' : 'unix', result: `${describeTally(tally)}; the host made ${served} calls to a registered agent meanwhile, all answered`, counts: { inputs: tally.inputs, calls: served } });
      } finally {
        await agent.close(0);
        await host.close(0);
      }
      await expectNoGrowth(before, { heapBytes: 32 << 20 });
    });

    if (options.hybridDialer) {
      it('hybrid vsock dialer: corrupted VMM replies to CONNECT', async () => {
        const seed = runSeed();
        const random = new SeededRandom(seed).fork('hybrid');
        const udsPath = socketPath('fuzz-hybrid');
        const pending = new Map<number, Buffer>();
        const muxer = new FirecrackerMuxerStandIn(udsPath, { replyOverride: (port) => pending.get(port) ?? 'close' });
        const before = await snapshot();
        const counts = { inputs: 0, connected: 0, refused: 0, waited: 0, bytesAfterReply: 0 };
        for (let port = 1; port <= CONCURRENCY; port++) muxer.guestListen(port, (socket) => socket.on('error', () => undefined));
        await muxer.start();
        const total = share(0.2, 1);
        let next = 0;
        const worker = async (port: number): Promise<void> => {
          while (next < total) {
            next++;
            counts.inputs++;
            const { reply, after } = hybridReply(random);
            const sent = Buffer.concat([reply, after]);
            pending.set(port, sent);
            const expected = expectedHybridOutcome(sent);
            const what = `reply ${JSON.stringify(sent.toString('latin1'))} (seed ${seed})`;
            const attempt = connect(`hybrid-vsock:${udsPath}:${port}`, { connectTimeout: 200 });
            const outcome = await within(5000, what, attempt.then((socket) => ({ socket }), (error: Error & { code?: string }) => ({ error })));
            if ('error' in outcome) {
              expect(expected, `${what}: failed with ${outcome.error.code ?? outcome.error.message}`).to.not.have.property('rest');
              if (expected === 'invalid') expect(outcome.error.code, what).to.equal('ERR_VMRPC_HANDSHAKE');
              if (expected === 'invalid') counts.refused++;
              else counts.waited++;
              continue;
            }
            const socket = outcome.socket;
            expect(expected, `${what}: accepted`).to.have.property('rest');
            const rest = (expected as { rest: Buffer }).rest;
            // The bytes after the reply line are the guest's stream: every one must arrive.
            let received = Buffer.alloc(0);
            await within(5000, `${what}: stream bytes`, new Promise<void>((resolve) => {
              const check = (): void => {
                if (received.length >= rest.length) resolve();
              };
              socket.on('data', (chunk: Buffer) => {
                received = Buffer.concat([received, chunk]);
                check();
              });
              check();
            }));
            expect(received.equals(rest), `${what}: stream after the reply`).to.equal(true);
            counts.connected++;
            counts.bytesAfterReply += rest.length;
            socket.destroy();
          }
        };
        try {
          await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i + 1)));
        } finally {
          await muxer.stop();
        }
        await expectNoGrowth(before, { heapBytes: 32 << 20 });
        expect(counts.connected).to.be.greaterThan(0);
        expect(counts.refused).to.be.greaterThan(0);
        recordFigure({
          group: 'fuzz',
          what: 'hybrid vsock dialer (host -> VMM): corrupted `OK <port>` replies',
          carrier: 'hybrid-vsock (host->guest)',
          result: `${counts.inputs} replies: ${counts.connected} valid (stream bytes after the line intact), ${counts.refused} refused with ERR_VMRPC_HANDSHAKE, ${counts.waited} incomplete (connect timeout)`,
          counts: { inputs: counts.inputs, bytesVerified: counts.bytesAfterReply },
        });
      });
    }
  });
}
