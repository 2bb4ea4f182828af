// The agent gateway (issue #17) over unix: a call naming an agent (vmrpc-agent) on an admin
// listener reaches that agent's services with no codegen on the host (gateway-suite.ts), and who
// may call: gateway listeners, authorize, listeners without a gateway.
import { AgentHost, GuestAgent, Status, agentProtocol, closeClient, createClient, type GatewayCaller } from '@vmrpc/rpc';
import { expect } from 'chai';
import { expectNoFdLeak, openFdCount, rejection, socketPath, within } from '../../support/checks.js';
import { ConformanceService } from '../generated/vmrpc/testing/v1/conformance.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { gatewayFixture, unixTargets } from './gateway-fixture.js';
import { streamingImplementation } from '../streaming-service.js';
import { gatewaySuite, rpcError } from './gateway-suite.js';
import { FAST } from './agent-suite.js';

gatewaySuite('unix:', unixTargets);

describe('agent gateway: who may call (unix:)', function () {
  this.timeout(20_000);

  it('gateway: true needs an admin listener', async function () {
    const host = new AgentHost(FAST);
    try {
      const error = await rejection(host.listen(`unix:${socketPath('gw-open')}`, { gateway: true }));
      expect(error).to.be.instanceOf(TypeError);
      expect(error.message).to.match(/needs admin: true/);
    } finally {
      await host.close(100);
    }
  });

  it('authorize sees the caller, the agent and the method, and refuses with PERMISSION_DENIED', async function () {
    const seen: string[] = [];
    const fx = await gatewayFixture();
    const guarded = `unix:${socketPath('gw-guarded')}`;
    await fx.host.listen(guarded, {
      gateway: {
        authorize: (caller, agent, method, id) => {
          seen.push(`${caller.identity} ${caller.admin} ${agent?.id ?? `(unknown ${id})`} ${method}`);
          return method.endsWith('/Ping');
        },
      },
    });
    const client = createClient(StreamingService, guarded, { defaultCallOptions: { metadata: { 'vmrpc-agent': 'vm-gw' } } });
    try {
      await within(5000, 'allowed', client.ping({}));
      const refused = await rpcError(client.act({}));
      expect(refused.code).to.equal(Status.PERMISSION_DENIED);
      expect(refused.details).to.equal(`${guarded} may not call /vmrpc.testing.v1.Streaming/Act on agent vm-gw through this gateway`);
      expect(seen).to.deep.equal([`${guarded} false vm-gw /vmrpc.testing.v1.Streaming/Ping`, `${guarded} false vm-gw /vmrpc.testing.v1.Streaming/Act`]);
      expect(fx.log.deadlines.size, 'the refused call never reached the agent').to.equal(0);
    } finally {
      closeClient(client);
      await fx.close();
    }
  });

  it('authorize gets a Unix caller\'s kernel credentials (SO_PEERCRED)', async function () {
    const fx = await gatewayFixture();
    const guarded = `unix:${socketPath('gw-creds')}`;
    const callers: GatewayCaller[] = [];
    await fx.host.listen(guarded, { gateway: { authorize: (caller) => (callers.push(caller), true) } });
    const client = createClient(StreamingService, guarded, { defaultCallOptions: { metadata: { 'vmrpc-agent': 'vm-gw' } } });
    try {
      await within(5000, 'call', client.ping({}));
      expect(callers).to.have.length(1);
      expect(callers[0]!.credentials).to.deep.equal({ uid: process.getuid!(), gid: process.getgid!(), pid: process.pid });
    } finally {
      closeClient(client);
      await fx.close();
    }
  });

  it('a listener without gateway does not forward: the call reaches the host, which does not serve it', async function () {
    const fx = await gatewayFixture();
    const client = createClient(StreamingService, fx.agents, { defaultCallOptions: { metadata: { 'vmrpc-agent': 'vm-gw' } } });
    try {
      expect((await rpcError(client.ping({}))).code).to.equal(Status.UNIMPLEMENTED);
    } finally {
      closeClient(client);
      await fx.close();
    }
  });
});

describe('agent gateway: agents on a gateway listener (unix:)', function () {
  this.timeout(20_000);

  it('an agent registers through a gateway listener (its session forwarded to the host\'s server) and is called through it', async function () {
    const fx = await gatewayFixture();
    const agent = new GuestAgent({ id: 'vm-via-admin' }).add(StreamingService, streamingImplementation(fx.log));
    try {
      const registered = await within(5000, 'registration', agent.connect(fx.admin));
      expect(registered.peer).to.equal(fx.admin);
      expect(fx.host.get('vm-via-admin')?.peer).to.equal(fx.admin);
      expect((await within(5000, 'direct', fx.host.agent('vm-via-admin').client(StreamingService).act({ value: 3n }))).value).to.equal(3n);
      expect((await within(5000, 'through', fx.through(StreamingService, 'vm-via-admin').act({ value: 4n }))).value).to.equal(4n);
    } finally {
      await agent.close(200);
      await fx.close();
    }
  });
});

describe('agent gateway: nothing left behind (unix:)', function () {
  this.timeout(20_000);

  it('after calls of every kind, a cancelled one and a host close, no descriptor stays open', async function () {
    const baseline = openFdCount();
    const fx = await gatewayFixture();
    const abort = new AbortController();
    const hanging = rejection(fx.through(StreamingService).act({ hang: true }, { signal: abort.signal }));
    await within(5000, 'unary', fx.through(ConformanceService).unary({ payload: Buffer.alloc(1000) }));
    for await (const _ of fx.through(ConformanceService).serverStream({ responseCount: 3, responseSize: 10 })) void _;
    const host = createClient(agentProtocol.AgentDirectoryService, fx.admin);
    await within(5000, 'host call', host.listAgents({}));
    closeClient(host);
    abort.abort();
    await within(5000, 'cancelled', hanging);
    await fx.close();
    await expectNoFdLeak(baseline);
  });
});
