// GuestAgent#connect() as Node users expect of a promise API with a signal and a socket factory:
// an already-aborted signal rejects at once (and the abort listener goes once settled), and a
// factory that throws synchronously or returns a socket rather than a promise of one is taken
// as if it had returned a promise (its error is reported, not "cannot connect to the host").
import { once } from 'node:events';
import { getEventListeners } from 'node:events';
import * as net from 'node:net';
import { AgentHost, GuestAgent } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../../support/checks.js';
import { FAST } from './agent-suite.js';

describe('GuestAgent#connect(): signals and socket factories (unix:)', function () {
  this.timeout(20_000);
  const agents: GuestAgent[] = [];
  const hosts: AgentHost[] = [];

  function newAgent(): GuestAgent {
    const agent = new GuestAgent({ id: 'vm-connect', reconnect: { initialMs: 50, maxMs: 200 }, registrationTimeoutMs: 2000 });
    agents.push(agent);
    return agent;
  }

  async function listeningHost(): Promise<string> {
    const path = socketPath('guest-connect');
    const host = new AgentHost(FAST);
    hosts.push(host);
    await host.listen(`unix:${path}`);
    return path;
  }

  afterEach(async function () {
    await Promise.all(agents.splice(0).map((agent) => within(5000, 'agent closed', agent.close(0))));
    await Promise.all(hosts.splice(0).map((host) => within(5000, 'host closed', host.close(0))));
  });

  it('an already-aborted signal rejects with its reason at once', async function () {
    const reason = new Error('given up');
    const error = await within(1000, 'connect() rejects', rejection(newAgent().connect(`unix:${socketPath('nobody')}`, { signal: AbortSignal.abort(reason) })));
    expect(error).to.equal(reason);
  });

  it('the abort listener is removed once connect() settled', async function () {
    const path = await listeningHost();
    const controller = new AbortController();
    await within(5000, 'registration', newAgent().connect(`unix:${path}`, { signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).to.have.length(0);
  });

  it("a factory that throws synchronously: its error is the session's, not \"cannot connect to the host\"", async function () {
    const agent = newAgent();
    const disconnected = once(agent, 'disconnected') as Promise<[Error]>;
    void agent.connect(() => {
      throw new Error('factory exploded');
    }).catch(() => undefined);
    const [error] = await within(5000, 'disconnected', disconnected);
    expect(error.message).to.equal('factory exploded');
  });

  it('a factory that returns a socket (no promise) registers', async function () {
    const path = await listeningHost();
    const agent = newAgent();
    const registration = await within(5000, 'registration', agent.connect((() => net.connect(path)) as never));
    expect(registration.sessionId).to.be.a('string').and.not.equal('');
    expect(agent.state).to.equal('registered');
  });
});
