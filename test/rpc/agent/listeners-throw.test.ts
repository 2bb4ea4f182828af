// A user event listener that throws, on AgentHost and GuestAgent: as with node:net, the error
// reaches the process as an uncaught exception (never swallowed, never an unhandled rejection),
// and the host's and the agent's state machines go on as if the listener had returned.
// The test takes the process's 'uncaughtException' listeners (mocha's) for the duration.
import { once } from 'node:events';
import { AgentHost, GuestAgent, type AgentInfo } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { FAST } from './agent-suite.js';
import { echoImplementation } from './echo-agent.js';

/** Catches uncaught exceptions (and unhandled rejections, which Node turns into them) until restored. */
class Uncaught {
  readonly errors: Error[] = [];
  private readonly saved = process.listeners('uncaughtException');
  private waiting: (() => void) | undefined;
  private readonly listener = (error: Error): void => {
    this.errors.push(error);
    this.waiting?.();
  };

  constructor() {
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', this.listener);
  }

  /** Resolves once `count` errors were caught. */
  async count(count: number): Promise<Error[]> {
    while (this.errors.length < count) await new Promise<void>((resolve) => (this.waiting = resolve));
    return this.errors;
  }

  restore(): void {
    process.removeListener('uncaughtException', this.listener);
    for (const listener of this.saved) process.on('uncaughtException', listener);
  }
}

describe('listeners that throw', function () {
  this.timeout(20_000);
  let target: string;
  let uncaught: Uncaught;
  const hosts: AgentHost[] = [];
  let agent: GuestAgent;

  function newHost(): AgentHost {
    const host = new AgentHost(FAST);
    hosts.push(host);
    return host;
  }

  beforeEach(function () {
    target = `unix:${socketPath('listeners')}`;
    uncaught = new Uncaught();
    agent = new GuestAgent({ id: 'vm-listeners', reconnect: { initialMs: 50, maxMs: 200 }, registrationTimeoutMs: 2000 }).add(EchoService, echoImplementation('vm-listeners'));
  });

  afterEach(async function () {
    await agent.close(0);
    for (const host of hosts.splice(0)) await host.close(0);
    uncaught.restore();
  });

  it('host `online`: an uncaught exception; the registration stands (no INTERNAL to the agent, no "replaced" session)', async function () {
    const host = newHost();
    await host.listen(target);
    const onlines: string[] = [];
    host.on('online', (info: AgentInfo) => {
      onlines.push(info.id);
      throw new Error('boom in online');
    });
    const disconnects: Error[] = [];
    agent.on('disconnected', (error) => disconnects.push(error));
    await within(5000, 'registration', agent.connect(target));
    const [error] = await within(5000, 'the uncaught exception', uncaught.count(1));
    expect(error!.message).to.equal('boom in online');
    const reply = await within(5000, 'a call', host.agent('vm-listeners').client(EchoService).say({ message: 'hi' }));
    expect(reply.message).to.equal('vm-listeners: hi');
    expect(onlines).to.deep.equal(['vm-listeners']);
    expect(disconnects).to.deep.equal([]);
  });

  it('host `offline`: an uncaught exception, not swallowed; the agent is offline', async function () {
    const host = newHost();
    await host.listen(target);
    host.on('offline', () => {
      throw new Error('boom in offline');
    });
    await within(5000, 'registration', agent.connect(target));
    await agent.close(0);
    const [error] = await within(5000, 'the uncaught exception', uncaught.count(1));
    expect(error!.message).to.equal('boom in offline');
    expect(host.get('vm-listeners')).to.include({ state: 'offline', offlineReason: 'shutdown' });
  });

  it('agent `registered`: an uncaught exception; the session stays (no disconnect, no flapping)', async function () {
    const host = newHost();
    await host.listen(target);
    agent.on('registered', () => {
      throw new Error('boom in registered');
    });
    const disconnects: Error[] = [];
    agent.on('disconnected', (error) => disconnects.push(error));
    await within(5000, 'registration', agent.connect(target));
    const [error] = await within(5000, 'the uncaught exception', uncaught.count(1));
    expect(error!.message).to.equal('boom in registered');
    const reply = await within(5000, 'a call', host.agent('vm-listeners').client(EchoService).say({ message: 'hi' }));
    expect(reply.message).to.equal('vm-listeners: hi');
    expect(disconnects).to.deep.equal([]);
    expect(agent.state).to.equal('registered');
  });

  it('agent `disconnected` and `reconnecting`: uncaught exceptions; the agent still reconnects to a restarted host', async function () {
    const first = newHost();
    await first.listen(target);
    agent.on('disconnected', () => {
      throw new Error('boom in disconnected');
    });
    agent.on('reconnecting', () => {
      throw new Error('boom in reconnecting');
    });
    await within(5000, 'registration', agent.connect(target));
    await first.close(0);
    const errors = await within(5000, 'the uncaught exceptions', uncaught.count(2));
    expect(errors.slice(0, 2).map((error) => error.message)).to.deep.equal(['boom in disconnected', 'boom in reconnecting']);
    const second = newHost();
    const online = once(second, 'online');
    await second.listen(target);
    const [info] = (await within(5000, 'the agent registers with the restarted host', online)) as [AgentInfo];
    expect(info.id).to.equal('vm-listeners');
  });
});
