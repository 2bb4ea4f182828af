// GuestAgent#close(graceMs) with every grace users may pass: a bad one is refused before anything
// changes (the agent keeps serving), Infinity waits for the calls in progress however long they
// take, and a grace beyond a Node timer (2^31-1 ms) is neither the 1 ms Node would make of it
// nor no bound: it ends when 2^31-1 ms have passed (AgentHost#close holds it the same way).
import { once } from 'node:events';
import { AgentHost, GuestAgent, Status } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { closeFixture, type CloseFixture } from './close-fixture.js';
import { withLongTimersDue } from './long-timers.js';

describe('GuestAgent#close(graceMs) (unix:)', function () {
  this.timeout(20_000);
  let host: AgentHost;
  let agent: GuestAgent;
  let echo: CloseFixture['echo'];

  beforeEach(async function () {
    ({ host, agent, echo } = await closeFixture('guest-close'));
  });

  afterEach(async function () {
    await within(5000, 'agent closed', agent.close(0));
    await within(5000, 'host closed', host.close(0));
  });

  for (const grace of [NaN, -1, -Infinity, '100' as unknown as number]) {
    it(`close(${String(grace)}) rejects with a RangeError and leaves the agent serving`, async function () {
      const error = await within(2000, 'close refused', rejection(agent.close(grace)));
      expect(error).to.be.instanceOf(RangeError);
      expect(error.code).to.equal('ERR_OUT_OF_RANGE');
      expect(error.message).to.equal(`GuestAgent#close: graceMs must be a number of milliseconds, 0 or more, or Infinity to wait for the calls without a bound (got ${String(grace)})`);
      expect(agent.state).to.equal('registered');
      const answer = await within(5000, 'a call after the refused close', host.agent('vm-close').client(EchoService).say({ message: 'still here' }));
      expect(answer.message).to.equal('vm-close: still here');
      // A good close() after the refused one closes the agent.
      await within(5000, 'close(0)', agent.close(0));
      expect(agent.state).to.equal('closed');
    });
  }

  for (const grace of [Infinity, 3_000_000_000]) {
    it(`close(${grace}) lets the host's call in progress finish, then closes (the host reports shutdown)`, async function () {
      const offline = once(host, 'offline');
      const draining = new Promise<void>((resolve) => host.on('updated', (info) => info.state === 'draining' && resolve()));
      const held = echo.hold();
      const call = host.agent('vm-close').client(EchoService).say({ message: 'slow' });
      await within(5000, 'the agent has the call', held.entered);
      let closed = false;
      const closing = agent.close(grace).then(() => void (closed = true));
      // The host heard the Drain: the agent is draining, and waits for the call.
      await within(5000, 'the host sees the agent draining', draining);
      expect(agent.state).to.equal('draining');
      expect(closed, 'close() waits for the call in progress').to.equal(false);
      held.release();
      expect((await within(5000, 'the call in progress', call)).message).to.equal('vm-close: slow');
      await within(5000, 'close() after the call', closing);
      expect(agent.state).to.equal('closed');
      const [, reason] = await within(5000, 'offline', offline);
      expect(reason).to.equal('shutdown');
    });
  }

  it('close(3_000_000_000) is a bound of 2^31-1 ms: once that much has passed, the call in progress is cut off and close() resolves', async function () {
    const held = echo.hold();
    // Its rejection is awaited at once: it comes while close() is still being awaited.
    const call = rejection(host.agent('vm-close').client(EchoService).say({ message: 'slow' }));
    await within(5000, 'the agent has the call', held.entered);
    const { fired } = await withLongTimersDue(() => within(5000, 'close() at the end of its grace', agent.close(3_000_000_000)));
    expect(fired, 'timers of 2^31-1 ms armed').to.be.above(0);
    expect(agent.state).to.equal('closed');
    const error = await within(5000, 'the call cut off', call);
    expect(error.code).to.equal(Status.UNAVAILABLE);
    held.release();
  });
});
