/**
 * Faults with real processes: a peer killed mid-stream (either side, either direction), a server
 * restarted under clients that hold channels, and a frozen peer (SIGSTOP: its connection stays
 * open but nothing answers) found by keepalive. A stream either delivers every message once, in
 * order, or its call fails: a killed peer must never look like a stream that ended.
 */
import { expect } from 'chai';
import { RpcError, Status } from '@vmrpc/rpc';
import { within } from '../support/checks.js';
import { carrierLabel, endpoint, type CarrierKind, type Endpoint } from './support/carriers.js';
import { checkSequenced, sequencedMessage } from './support/fault-service.js';
import { recordFigure } from './support/figures.js';
import { GrpcFixture } from './support/fixture.js';
import { PeerProcess, until } from './support/peer.js';
import { expectNoGrowth, snapshot } from './support/resources.js';
import { generous } from './support/scale.js';
import { closeClient, createClient } from '@vmrpc/rpc';
import { createChannel } from '@vmrpc/transport';
import { connectivityState } from '@grpc/grpc-js';
import { ConformanceService } from '../rpc/generated/vmrpc/testing/v1/conformance.js';

async function startServerPeer(at: Endpoint): Promise<PeerProcess> {
  const peer = PeerProcess.start('server-peer', [JSON.stringify(at)]);
  await peer.waitFor(/^ready$/m, generous(15_000));
  return peer;
}

function failure(error: unknown): string {
  return error instanceof RpcError ? Status[error.code] ?? String(error.code) : (error as Error).message;
}

export function killSuite(kind: CarrierKind): void {
  const carrier = carrierLabel(kind);

  describe(`peer faults over ${carrier}`, function () {
    this.timeout(generous(60_000));
    const cleanups: Array<() => unknown> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    it('server killed mid server-stream: the messages before are intact and in order, then the call fails', async () => {
      const at = endpoint(kind, 'kill-down');
      const peer = await startServerPeer(at);
      cleanups.push(() => peer.stop());
      const client = createClient(ConformanceService, at.dial);
      cleanups.push(() => closeClient(client));
      let received = 0;
      const outcome = (async () => {
        for await (const message of client.serverStream({ responseCount: 0, responseSize: 1024 })) {
          checkSequenced(message.payload, received, 1024);
          if (++received === 200) peer.kill('SIGKILL');
        }
        return 'ended normally';
      })().catch((error: unknown) => error);
      const result = await within(generous(20_000), 'the stream to fail', outcome);
      expect(result, 'a killed server must not end the stream as if complete').to.be.instanceOf(RpcError);
      expect((result as RpcError).code).to.equal(Status.UNAVAILABLE);
      recordFigure({ group: 'faults', what: 'server process killed (SIGKILL) during a server stream', carrier, result: `${received} messages intact, then ${failure(result)}`, counts: { faults: 1 } });
    });

    it('server killed mid client-stream: the upload fails, it never resolves as complete', async () => {
      const at = endpoint(kind, 'kill-up');
      const peer = await startServerPeer(at);
      cleanups.push(() => peer.stop());
      const client = createClient(ConformanceService, at.dial);
      cleanups.push(() => closeClient(client));
      async function* requests(): AsyncGenerator<{ payload: Buffer }> {
        for (let index = 0; ; index++) {
          if (index === 300) peer.kill('SIGKILL');
          yield { payload: sequencedMessage(index, 1024) };
          if (index % 32 === 0) await new Promise((resolve) => setImmediate(resolve));
        }
      }
      const result = await within(generous(20_000), 'the upload to fail', client.clientStream(requests()).then(() => 'resolved', (error: unknown) => error));
      expect(result).to.be.instanceOf(RpcError);
      expect((result as RpcError).code).to.equal(Status.UNAVAILABLE);
      recordFigure({ group: 'faults', what: 'server process killed during a client stream', carrier, result: `upload failed with ${failure(result)}`, counts: { faults: 1 } });
    });

    for (const mode of ['download', 'upload'] as const) {
      it(`client killed mid ${mode}: the server sees the call end (cancelled, not completed) and releases it`, async () => {
        const before = await snapshot();
        const fixture = await GrpcFixture.start(kind, `client-${mode}`);
        cleanups.push(() => fixture.close());
        const peer = PeerProcess.start('client-peer', [JSON.stringify(fixture.at), mode]);
        cleanups.push(() => peer.stop());
        await peer.waitFor(/^streaming$/m, generous(15_000));
        await until(() => fixture.log.active === 1, generous(10_000), 'the call to reach the server');
        peer.kill('SIGKILL');
        await until(() => fixture.log.active === 0, generous(10_000), 'the server to release the call');
        expect(fixture.log.cancelled, 'cancelled calls').to.equal(1);
        if (mode === 'upload') {
          expect(fixture.log.completedStreams, 'a killed client must not look like a finished upload').to.deep.equal([]);
          expect(fixture.log.failedStreams).to.equal(1);
        }
        await fixture.close();
        await peer.stop();
        await expectNoGrowth(before, { heapBytes: 16 << 20 });
        recordFigure({ group: 'faults', what: `client process killed during a ${mode === 'download' ? 'server' : 'client'} stream`, carrier, result: 'server saw the call cancelled, handler ended, fds back to baseline', counts: { faults: 1 } });
      });
    }

    it('server restarted while clients hold channels: waitForReady calls made meanwhile complete', async () => {
      const at = endpoint(kind, 'restart');
      let peer = await startServerPeer(at);
      cleanups.push(() => peer.stop());
      const backoff = { 'grpc.initial_reconnect_backoff_ms': 100, 'grpc.max_reconnect_backoff_ms': 300 };
      const channels = Array.from({ length: 10 }, () => createChannel(at.dial, { grpc: backoff }));
      const clients = channels.map((channel) => createClient(ConformanceService, channel));
      cleanups.push(() => channels.forEach((channel) => channel.close()));
      await Promise.all(clients.map((client) => client.unary({ payload: Buffer.from('before') })));
      await peer.stop();
      // A call started before its channel saw the connection drop was already sent on it, and
      // fails with UNAVAILABLE like any call in flight (grpc-js does the same): wait for the drop.
      await until(() => channels.every((channel) => channel.getConnectivityState(false) !== connectivityState.READY), generous(5000), 'the channels to see the loss');
      const waiting = clients.map((client, i) =>
        client.unary({ payload: Buffer.from(`during ${i}`) }, { waitForReady: true, timeoutMs: generous(20_000) }),
      );
      await new Promise((resolve) => setTimeout(resolve, 300));
      peer = await startServerPeer(at);
      const answers = await within(generous(25_000), 'waitForReady calls after the restart', Promise.all(waiting));
      answers.forEach((answer, i) => expect(Buffer.from(answer.payload).toString()).to.equal(`during ${i}`));
      recordFigure({ group: 'faults', what: 'server process killed and restarted under 10 channels', carrier, result: '10 waitForReady calls made during the outage completed after the restart', counts: { faults: 1, calls: 10 } });
    });

    it('a frozen server (SIGSTOP) is found by keepalive: the call fails with UNAVAILABLE', async () => {
      const at = endpoint(kind, 'frozen');
      const peer = await startServerPeer(at);
      cleanups.push(async () => {
        peer.kill('SIGCONT');
        await peer.stop();
      });
      const client = createClient(ConformanceService, at.dial, {
        grpc: { 'grpc.keepalive_time_ms': 200, 'grpc.keepalive_timeout_ms': 500, 'grpc.keepalive_permit_without_calls': 1 },
      });
      cleanups.push(() => closeClient(client));
      await client.unary({});
      const inFlight = client.unary({ delayMs: 60_000 }).then(() => 'answered', (error: unknown) => error);
      await new Promise((resolve) => setTimeout(resolve, 100));
      peer.kill('SIGSTOP');
      const started = Date.now();
      const result = await within(generous(10_000), 'keepalive to end the call', inFlight);
      expect(result).to.be.instanceOf(RpcError);
      expect((result as RpcError).code).to.equal(Status.UNAVAILABLE);
      recordFigure({ group: 'faults', what: 'server process frozen (SIGSTOP) with a call in flight; keepalive 200 ms / 500 ms', carrier, result: `call failed with UNAVAILABLE after ${Date.now() - started} ms`, counts: { faults: 1 } });
    });
  });
}
