/**
 * The gateway suite, run over unix: (gateway.test.ts) and over vsock in the VM harness
 * (gateway.vsock.test.ts): every streaming shape with checksums, metadata and status both ways,
 * deadlines and cancellation both ways, the agent going offline mid-call, unknown agents and
 * methods, waiting for an agent, and the host's own services on the same listener.
 */
import { once } from 'node:events';
import { GuestAgent, Metadata, RpcError, Status, agentProtocol, closeClient, createClient, type AgentHostOptions } from '@vmrpc/rpc';
import { connect, type VmSocket } from '@vmrpc/native';
import { expect } from 'chai';
import { payload, rejection, sha256, within } from '../../support/checks.js';
import { ConformanceService } from '../generated/vmrpc/testing/v1/conformance.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { Feed, streamingImplementation, whenCancelled, whenStarted } from '../streaming-service.js';
import { chunkOf, gatewayFixture, type GatewayFixture, type GatewayTargets } from './gateway-fixture.js';

export async function rpcError(promise: Promise<unknown>): Promise<RpcError> {
  const error: unknown = await rejection(promise);
  expect(error, String(error)).to.be.instanceOf(RpcError);
  return error as RpcError;
}

export function gatewaySuite(name: string, makeTargets: () => GatewayTargets, hostOptions: AgentHostOptions = {}): void {
  describe(`agent gateway (${name})`, function () {
    this.timeout(20_000);
    let fx: GatewayFixture;

    beforeEach(async function () {
      fx = await gatewayFixture(hostOptions, makeTargets());
    });
    afterEach(async function () {
      await fx.close();
    });

    it('unary: 1 MiB arrives exactly both ways', async function () {
      const { data, hash } = payload(1024 * 1024);
      const answer = await within(5000, 'unary', fx.through(ConformanceService).unary({ payload: data }));
      expect(sha256(Buffer.from(answer.payload))).to.equal(hash);
      expect(answer.bytesReceived).to.equal(BigInt(data.length));
    });

    it('server streaming: 64 x 64 KiB in order, each checked', async function () {
      const seen: string[] = [];
      for await (const response of fx.through(ConformanceService).serverStream({ responseCount: 64, responseSize: 65536 })) {
        expect(sha256(Buffer.from(response.payload)), `response ${response.index}`).to.equal(sha256(chunkOf(response.index, 65536)));
        seen.push(String(response.index));
      }
      expect(seen).to.deep.equal(Array.from({ length: 64 }, (_, index) => String(index)));
    });

    it('client streaming: 32 x 128 KiB, the agent hashes what it got', async function () {
      const chunks = Array.from({ length: 32 }, () => payload(128 * 1024).data);
      async function* requests() {
        for (const chunk of chunks) yield { payload: chunk };
      }
      const answer = await within(10_000, 'client stream', fx.through(ConformanceService).clientStream(requests()));
      expect(Buffer.from(answer.payload).toString('hex')).to.equal(sha256(chunks));
      expect(answer.bytesReceived).to.equal(BigInt(32 * 128 * 1024));
    });

    it('bidi streaming: interleaved, every echo checked before the next request', async function () {
      const feed = new Feed<{ payload: Buffer }>();
      const responses = fx.through(ConformanceService).bidi(feed)[Symbol.asyncIterator]();
      for (let index = 0; index < 20; index++) {
        const { data, hash } = payload(1000 + index * 997);
        feed.push({ payload: data });
        const next = await within(5000, `echo ${index}`, responses.next());
        expect(sha256(Buffer.from(next.value!.payload))).to.equal(hash);
        expect(next.value!.index).to.equal(index);
      }
      feed.end();
      expect((await within(5000, 'end', responses.next())).done).to.equal(true);
    });

    it('metadata, response headers, trailers and error statuses pass through; vmrpc-* keys do not', async function () {
      const client = fx.through(StreamingService);
      let header: Metadata | undefined;
      let trailer: Metadata | undefined;
      const outcome = await client.act({ value: 7n, key: 'meta' }, { metadata: { 'x-echo': ['a', 'b'], 'vmrpc-agent-id': 'spoofed' }, onHeader: (h) => (header = h), onTrailer: (t) => (trailer = t) });
      expect(outcome.value).to.equal(7n);
      // As a direct call delivers them (node:http2 joins a repeated header: 'a, b').
      const direct = await fx.host.agent('vm-gw').client(StreamingService).act({ key: 'meta-direct' }, { metadata: { 'x-echo': ['a', 'b'] } });
      expect(outcome.echoed).to.deep.equal(direct.echoed);
      expect(header?.get('x-header')).to.deep.equal(['from-handler']);
      expect(trailer?.get('x-trailer')).to.deep.equal(['done']);
      let errorTrailer: Metadata | undefined;
      const error = await rpcError(client.act({ failCode: Status.FAILED_PRECONDITION, failDetails: 'not now: 100% sure' }, { onTrailer: (t) => (errorTrailer = t) }));
      expect(error.code).to.equal(Status.FAILED_PRECONDITION);
      expect(error.details).to.equal('not now: 100% sure');
      expect(errorTrailer?.get('x-error-detail')).to.deep.equal(['why']);
      expect(errorTrailer?.get('x-error-bin')).to.deep.equal([Buffer.from([1, 2, 3])]);
    });

    it('the agent sees the call as coming from the host, over its call link', async function () {
      const outcome = await fx.through(StreamingService).act({ key: 'peer' });
      const direct = await fx.host.agent('vm-gw').client(StreamingService).act({ key: 'peer-direct' });
      expect(outcome.peer).to.equal(direct.peer);
    });

    it('deadline: the caller\'s deadline reaches the agent, and DEADLINE_EXCEEDED comes back', async function () {
      const started = Date.now();
      const error = await rpcError(within(5000, 'deadline', fx.through(StreamingService).act({ hang: true, key: 'dl' }, { timeoutMs: 400 })));
      expect(error.code).to.equal(Status.DEADLINE_EXCEEDED);
      const seen = fx.log.deadlines.get('dl');
      expect(seen, 'the agent saw a deadline').to.be.instanceOf(Date);
      expect(Math.abs(seen!.getTime() - (started + 400))).to.be.below(250);
      await whenCancelled(fx.log, 'dl');
    });

    it('cancel, caller to agent: aborting ends the agent\'s handler', async function () {
      const abort = new AbortController();
      const call = rpcError(fx.through(StreamingService).act({ hang: true, key: 'cx' }, { signal: abort.signal }));
      await whenStarted(fx.log, 'cx');
      abort.abort();
      expect((await within(5000, 'cancelled', call)).code).to.equal(Status.CANCELLED);
      await whenCancelled(fx.log, 'cx', 5000);
    });

    it('cancel, agent to caller: a CANCELLED status from the agent reaches the caller', async function () {
      const error = await rpcError(fx.through(StreamingService).act({ failCode: Status.CANCELLED, failDetails: 'agent gave up' }));
      expect(error.code).to.equal(Status.CANCELLED);
      expect(error.details).to.equal('agent gave up');
    });

    it('an agent that goes offline mid-call: UNAVAILABLE naming it, nothing hangs', async function () {
      const call = rpcError(fx.through(StreamingService).act({ hang: true, key: 'gone' }));
      await whenStarted(fx.log, 'gone');
      const offline = once(fx.host, 'offline');
      void fx.agent.close(50);
      const error = await within(5000, 'the call ends', call);
      await within(5000, 'offline', offline);
      expect(error.code).to.equal(Status.UNAVAILABLE);
      expect(error.details).to.match(/vm-gw/);
      const after = await rpcError(within(5000, 'offline', fx.through(StreamingService).act({})));
      expect(after.code).to.equal(Status.UNAVAILABLE);
      expect(after.details).to.equal('agent vm-gw is offline (shutdown)');
    });

    it('an agent that vanishes mid-stream (its sockets cut): the caller\'s stream ends UNAVAILABLE, promptly', async function () {
      const opened: VmSocket[] = [];
      const vanishing = new GuestAgent({ id: 'vm-cut', reconnect: { initialMs: 5000, maxMs: 5000 } }).add(StreamingService, streamingImplementation(fx.log));
      await within(5000, 'registration', vanishing.connect(async (signal) => {
        const socket = await connect(fx.agents, { signal });
        opened.push(socket);
        return socket;
      }));
      try {
        let first!: () => void;
        const started = new Promise<void>((resolve) => (first = resolve));
        const consumed = (async () => {
          for await (const _ of fx.through(StreamingService, 'vm-cut').count({ count: 10_000, delayMs: 20 })) first();
        })();
        consumed.catch(() => undefined);
        await within(5000, 'first message', started);
        for (const socket of opened) socket.destroy();
        expect((await rpcError(within(3000, 'the stream ends', consumed))).code).to.equal(Status.UNAVAILABLE);
      } finally {
        await vanishing.close(50);
      }
    });

    it('unknown agent: NOT_FOUND naming it; unknown method: UNIMPLEMENTED; malformed id: INVALID_ARGUMENT', async function () {
      const unknown = await rpcError(fx.through(StreamingService, 'vm-nobody').act({}));
      expect(unknown.code).to.equal(Status.NOT_FOUND);
      expect(unknown.details).to.equal('agent vm-nobody is not registered with this host');
      // AgentDirectory is the host's, not the agent's: through the gateway it is unknown to the agent.
      const client = createClient(agentProtocol.AgentDirectoryService, fx.admin, { defaultCallOptions: { metadata: { 'vmrpc-agent': 'vm-gw' } } });
      try {
        const missing = await rpcError(client.listAgents({}));
        expect(missing.code).to.equal(Status.UNIMPLEMENTED);
      } finally {
        closeClient(client);
      }
      const bad = await rpcError(fx.through(StreamingService, 'no spaces allowed').act({}));
      expect(bad.code).to.equal(Status.INVALID_ARGUMENT);
      expect(bad.details).to.match(/vmrpc-agent must be/);
    });

    it('the host\'s own services still answer on the gateway listener, with the caller\'s peer', async function () {
      const client = createClient(agentProtocol.AgentDirectoryService, fx.admin);
      try {
        const listed = await within(5000, 'list agents', client.listAgents({}));
        expect(listed.agents.map((agent) => agent.agentId)).to.deep.equal(['vm-gw']);
      } finally {
        closeClient(client);
      }
    });

    it('waits for an offline agent when asked (vmrpc-agent-wait: ms), then UNAVAILABLE naming it', async function () {
      await fx.agent.close(50);
      const error = await rpcError(within(5000, 'wait', fx.through(StreamingService).act({}, { metadata: { 'vmrpc-agent-wait': '300' } })));
      expect(error.code).to.equal(Status.UNAVAILABLE);
      expect(error.details).to.equal('agent vm-gw is offline (shutdown); waited 300 ms');
      const waiting = fx.through(StreamingService).act({ value: 5n }, { metadata: { 'vmrpc-agent-wait': '8000' } });
      const again = new GuestAgent({ id: 'vm-gw' }).add(StreamingService, streamingImplementation(fx.log));
      try {
        await within(5000, 'agent back', again.connect(fx.agents));
        expect((await within(8000, 'the waiting call', waiting)).value).to.equal(5n);
      } finally {
        await again.close(200);
      }
    });
  });
}
