// AgentHost's waits and the durations users pass it: waitFor/connect timeoutMs must be a Node
// timer's (else a wait "for Infinity ms" ended after 1 ms), heartbeatTimeoutMs must exceed
// heartbeatIntervalMs, a bad id is a rejected promise, many waits share one `online` listener,
// and the gateway's `vmrpc-agent-wait` waits for an agent not registered yet.
import { AgentHost, GuestAgent, Status } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from '../streaming-service.js';
import { FAST, waitStarted } from './agent-suite.js';
import { gatewayFixture } from './gateway-fixture.js';

describe('AgentHost waits and their durations', function () {
  this.timeout(20_000);

  it('waitFor and connect refuse a timeoutMs a timer cannot hold (ERR_OUT_OF_RANGE naming it)', async function () {
    const host = new AgentHost(FAST);
    try {
      for (const timeoutMs of [3e9, Number.POSITIVE_INFINITY, -5, Number.NaN]) {
        for (const wait of [host.waitFor('vm-never', { timeoutMs }), host.connect('unix:/nonexistent/agent.sock', { timeoutMs })]) {
          const error = await within(1000, `timeoutMs ${timeoutMs}`, rejection(wait));
          expect(error).to.be.instanceOf(RangeError);
          expect(error.code).to.equal('ERR_OUT_OF_RANGE');
          expect(error.message).to.equal(`options.timeoutMs must be a number of milliseconds from 1 to 2147483647 (got ${timeoutMs})`);
        }
      }
    } finally {
      await host.close(0);
    }
  });

  it('waitFor with a malformed id rejects (it does not throw)', async function () {
    const host = new AgentHost(FAST);
    try {
      let waiting: Promise<unknown> | undefined;
      expect(() => (waiting = host.waitFor('no spaces allowed'))).not.to.throw();
      const error = await rejection(waiting!);
      expect(error.message).to.match(/^id must be 1-128 bytes/);
    } finally {
      await host.close(0);
    }
  });

  it('heartbeatTimeoutMs must exceed heartbeatIntervalMs', function () {
    for (const heartbeatTimeoutMs of [100, 200]) {
      expect(() => new AgentHost({ heartbeatIntervalMs: 200, heartbeatTimeoutMs }))
        .to.throw(RangeError, `options.heartbeatTimeoutMs (${heartbeatTimeoutMs}) must be above options.heartbeatIntervalMs (200), or every agent goes offline between two heartbeats; the default is 3 x the interval`)
        .with.property('code', 'ERR_OUT_OF_RANGE');
    }
    expect(() => new AgentHost({ heartbeatIntervalMs: 200, heartbeatTimeoutMs: 201 })).not.to.throw();
  });

  it('reconnect.initialMs and reconnect.maxMs must be timer durations (0 redialled hundreds of times a second)', function () {
    for (const [field, value] of [['initialMs', 0], ['initialMs', -1], ['initialMs', Number.NaN], ['maxMs', 3e9]] as const) {
      expect(() => new AgentHost({ reconnect: { [field]: value } }), `${field} ${value}`)
        .to.throw(RangeError, `options.reconnect.${field} must be a number of milliseconds from 1 to 2147483647 (got ${value})`)
        .with.property('code', 'ERR_OUT_OF_RANGE');
    }
  });

  it('twenty waits share one online listener (no MaxListenersExceededWarning): one agent coming resolves its ten, the other ten time out', async function () {
    const host = new AgentHost(FAST);
    const target = `unix:${socketPath('host-waits-twenty')}`;
    await host.listen(target);
    const agent = new GuestAgent({ id: 'vm-0', reconnect: { initialMs: 50, maxMs: 200 } }).add(StreamingService, streamingImplementation(newLog()));
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const waits = Array.from({ length: 20 }, (_, i) => host.waitFor(`vm-${i % 2}`, { timeoutMs: i % 2 === 0 ? 10_000 : 500 }));
      expect(host.listenerCount('online')).to.equal(1);
      await within(5000, 'the agent registers', agent.connect(target));
      const came = await within(5000, 'the waits for vm-0', Promise.all(waits.filter((_, i) => i % 2 === 0)));
      expect(came.map((info) => info.id)).to.deep.equal(Array.from({ length: 10 }, () => 'vm-0'));
      const errors = await within(5000, 'the waits for vm-1 time out', Promise.all(waits.filter((_, i) => i % 2 === 1).map(rejection)));
      expect(errors.map((error) => error.code)).to.deep.equal(Array.from({ length: 10 }, () => 'ETIMEDOUT'));
      expect(host.listenerCount('online')).to.equal(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).to.deep.equal([]);
    } finally {
      process.off('warning', onWarning);
      await agent.close(0);
      await host.close(0);
    }
  });

  it('waitFor with timeoutMs 0 or an aborted signal answers with an agent already online; 0 for one that is not rejects at once', async function () {
    const host = new AgentHost(FAST);
    const target = `unix:${socketPath('host-waits-zero')}`;
    await host.listen(target);
    const agent = new GuestAgent({ id: 'vm-zero', reconnect: { initialMs: 50, maxMs: 200 } }).add(StreamingService, streamingImplementation(newLog()));
    try {
      await within(5000, 'the agent registers', agent.connect(target));
      expect((await within(1000, 'timeoutMs 0', host.waitFor('vm-zero', { timeoutMs: 0 }))).id).to.equal('vm-zero');
      expect((await within(1000, 'an aborted signal', host.waitFor('vm-zero', { signal: AbortSignal.abort() }))).id).to.equal('vm-zero');
      const error = await within(1000, 'timeoutMs 0 for an absent agent', rejection(host.waitFor('vm-absent', { timeoutMs: 0 })));
      expect(error.code).to.equal('ETIMEDOUT');
    } finally {
      await agent.close(0);
      await host.close(0);
    }
  });

  it('the gateway with vmrpc-agent-wait waits for an agent that has not registered yet (a booting VM)', async function () {
    const fx = await gatewayFixture();
    const late = new GuestAgent({ id: 'vm-late', reconnect: { initialMs: 50, maxMs: 200 } }).add(StreamingService, streamingImplementation(newLog()));
    try {
      const subscribed = waitStarted(fx.host);
      const waiting = fx.through(StreamingService, 'vm-late').act({ value: 7n }, { metadata: { 'vmrpc-agent-wait': '8000' } });
      await within(5000, 'the gateway waits for the agent', subscribed);
      await within(5000, 'the agent registers', late.connect(fx.agents));
      expect((await within(8000, 'the waiting call', waiting)).value).to.equal(7n);
      const unknown = await rejection(fx.through(StreamingService, 'vm-never').act({}, { metadata: { 'vmrpc-agent-wait': '200' } }));
      expect(unknown).to.have.property('code', Status.NOT_FOUND);
      expect(unknown).to.have.property('details', 'agent vm-never is not registered with this host; waited 200 ms');
    } finally {
      await late.close(0);
      await fx.close();
    }
  });
});
