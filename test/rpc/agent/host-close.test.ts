// AgentHost#close(graceMs): the grace it promises to calls in progress, the values it takes
// (Infinity: no limit; past 2^31-1 ms: 2^31-1 ms, as GuestAgent#close; NaN or negative: refused,
// nothing changed), and a listen() it races.
// Real AgentHost and GuestAgent over Unix sockets.
import { once } from 'node:events';
import * as net from 'node:net';
import { AgentHost, GuestAgent, RpcError, Status, type AgentInfo } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { FAST } from './agent-suite.js';
import { gatewayFixture } from './gateway-fixture.js';
import { closeFixture, type CloseFixture } from './close-fixture.js';
import { withLongTimersDue } from './long-timers.js';

describe('AgentHost: close(graceMs)', function () {
  this.timeout(20_000);
  let host: AgentHost;
  let agent: GuestAgent;
  let echo: CloseFixture['echo'];

  beforeEach(async function () {
    ({ host, agent, echo } = await closeFixture('host-close'));
  });

  afterEach(async function () {
    await agent.close(0);
    await host.close(0);
  });

  it('gives a call in progress the grace: a stream to the agent ends with all its messages, then the agent is offline (host-closed)', async function () {
    const offline = once(host, 'offline') as Promise<[AgentInfo, string]>;
    const draining = once(agent, 'hostDraining');
    const received: string[] = [];
    const stream = host.agent('vm-close').client(EchoService).repeat({ message: 'm', count: 10, intervalMs: 30 })[Symbol.asyncIterator]();
    const first = await within(5000, 'the first message', stream.next());
    received.push(first.value!.message);
    const closing = host.close(10_000);
    for (;;) {
      const next = await within(5000, 'the next message', stream.next());
      if (next.done === true) break;
      received.push(next.value.message);
    }
    expect(received).to.deep.equal(Array.from({ length: 10 }, (_, i) => `vm-close: m #${i}`));
    await within(5000, 'the agent is told to drain', draining);
    await within(5000, 'close', closing);
    const [info, reason] = await within(5000, 'offline', offline);
    expect(info.id).to.equal('vm-close');
    expect(reason).to.equal('host-closed');
  });

  it('a call started after close() began is refused at once, as on a closed channel; the one in progress finishes', async function () {
    const stream = host.agent('vm-close').client(EchoService).repeat({ message: 'm', count: 5, intervalMs: 30 })[Symbol.asyncIterator]();
    await within(5000, 'the first message', stream.next());
    const closing = host.close(10_000);
    const late = await rejection(host.agent('vm-close').client(EchoService).say({ message: 'late' }));
    expect(late).to.be.instanceOf(RpcError);
    expect(late).to.include({ code: Status.CANCELLED, details: 'Channel has been shut down (the client or its channel was closed)' });
    while ((await within(5000, 'the stream', stream.next())).done !== true);
    await within(5000, 'close', closing);
  });

  it('close(Infinity) waits without a timer and ends every session; NaN and -1 are refused and change nothing', async function () {
    for (const bad of [Number.NaN, -1]) {
      const error = await rejection(host.close(bad));
      expect(error).to.be.instanceOf(RangeError);
      expect(error.code).to.equal('ERR_OUT_OF_RANGE');
      expect(error.message).to.equal(`AgentHost#close: graceMs must be a number of milliseconds, 0 or more, or Infinity to wait for the calls without a bound (got ${bad})`);
    }
    const reply = await within(5000, 'a call after the refused close()', host.agent('vm-close').client(EchoService).say({ message: 'alive' }));
    expect(reply.message).to.equal('vm-close: alive');
    const offline = once(host, 'offline') as Promise<[AgentInfo, string]>;
    await within(5000, 'close(Infinity)', host.close(Number.POSITIVE_INFINITY));
    const [, reason] = await within(5000, 'offline', offline);
    expect(reason).to.equal('host-closed');
    expect(host.list()).to.deep.equal([]);
  });

  it('close(3_000_000_000) is a bound of 2^31-1 ms, not none: once that much has passed, the call in progress is cut off and close() resolves', async function () {
    const offline = once(host, 'offline') as Promise<[AgentInfo, string]>;
    const held = echo.hold();
    // Its rejection is awaited at once: it comes while close() is still being awaited.
    const call = rejection(host.agent('vm-close').client(EchoService).say({ message: 'slow' }));
    await within(5000, 'the agent has the call', held.entered);
    const { fired } = await withLongTimersDue(() => within(5000, 'close() at the end of its grace', host.close(3_000_000_000)));
    expect(fired, 'timers of 2^31-1 ms armed').to.be.above(0);
    const error = await within(5000, 'the call cut off', call);
    expect(error.code).to.equal(Status.UNAVAILABLE);
    const [, reason] = await within(5000, 'offline', offline);
    expect(reason).to.equal('host-closed');
    held.release();
  });
});

describe('AgentHost: close(graceMs) and the gateway', function () {
  this.timeout(20_000);

  it('gives a call forwarded by the gateway the grace: all its messages arrive', async function () {
    const fx = await gatewayFixture();
    try {
      const stream = fx.through(StreamingService).count({ count: 8, delayMs: 30 })[Symbol.asyncIterator]();
      const indexes = [(await within(5000, 'the first message', stream.next())).value!.index];
      const closing = fx.host.close(10_000);
      for (;;) {
        const next = await within(5000, 'the next message', stream.next());
        if (next.done === true) break;
        indexes.push(next.value.index);
      }
      expect(indexes).to.deep.equal([0, 1, 2, 3, 4, 5, 6, 7]);
      await within(5000, 'close', closing);
    } finally {
      await fx.close();
    }
  });
});

describe('AgentHost: listen() racing close()', function () {
  it('a listen() still opening when close() begins rejects, and leaves nothing listening', async function () {
    const host = new AgentHost(FAST);
    const path = socketPath('host-listen-race');
    const listening = host.listen(`unix:${path}`);
    const closing = host.close(0);
    const error = await within(5000, 'listen', rejection(listening));
    expect(error.message).to.equal('the agent host was closed while listen() was in progress');
    await within(5000, 'close', closing);
    const probe = net.connect(path);
    const [refused] = (await within(5000, 'a connection to the path', once(probe, 'error'))) as [NodeJS.ErrnoException];
    expect(refused.code).to.be.oneOf(['ECONNREFUSED', 'ENOENT']);
  });
});
