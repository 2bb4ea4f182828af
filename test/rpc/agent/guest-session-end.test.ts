// A GuestSession owns its call links and ends with them: when the host stops answering (no
// heartbeat within its timeout) the agent's session ends and the call links it dialed for that
// session close too, instead of staying open to a host that no longer answers.
import { once } from 'node:events';
import * as net from 'node:net';
import { duplexPair, type Duplex } from 'node:stream';
import { AgentHost, GuestAgent } from '@vmrpc/rpc';
import { expect } from 'chai';
import { socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from './echo-agent.js';
import { FAST } from './agent-suite.js';

interface Dialed {
  /** The agent's end. */
  agentSide: Duplex;
  /** Stops the host's bytes, and its closing the link, reaching the agent (a host that froze). */
  freeze(): void;
}

describe('GuestSession: its call links end with it (unix:)', function () {
  this.timeout(20_000);
  let host: AgentHost;
  let agent: GuestAgent;
  const upstreams: net.Socket[] = [];

  afterEach(async function () {
    await within(5000, 'agent closed', agent.close(0));
    for (const socket of upstreams.splice(0)) socket.destroy();
    await within(5000, 'host closed', host.close(0));
  });

  it('a heartbeat timeout ends the session and closes the call links dialed for it', async function () {
    const path = socketPath('guest-session-end');
    host = new AgentHost(FAST);
    await host.listen(`unix:${path}`);
    // Every link the agent dials goes through a pair the test can freeze (the session link first).
    const dialed: Dialed[] = [];
    const factory = async (): Promise<Duplex> => {
      const upstream = net.connect(path);
      upstreams.push(upstream);
      await once(upstream, 'connect');
      const [agentSide, ours] = duplexPair();
      ours.pipe(upstream);
      upstream.pipe(ours);
      const close = (): void => {
        ours.destroy();
        upstream.destroy();
      };
      agentSide.once('close', close);
      let frozen = false;
      upstream.once('close', () => frozen || agentSide.destroy());
      dialed.push({
        agentSide,
        freeze: () => {
          frozen = true;
          upstream.unpipe(ours);
        },
      });
      return agentSide;
    };
    agent = new GuestAgent({ id: 'vm-end', reconnect: { initialMs: 5000, maxMs: 5000 }, registrationTimeoutMs: 2000 }).add(EchoService, echoImplementation('vm-end'));
    await within(5000, 'registration', agent.connect(factory));
    const answer = await within(5000, 'a call over a call link', host.agent('vm-end').client(EchoService).say({ message: 'hi' }));
    expect(answer.message).to.equal('vm-end: hi');
    expect(dialed.length, 'the session link and at least one call link').to.be.at.least(2);
    const callLinks = dialed.slice(1).map((link) => link.agentSide);
    const closed = Promise.all(callLinks.map((socket) => (socket.destroyed ? undefined : once(socket, 'close'))));

    const disconnected = once(agent, 'disconnected') as Promise<[Error]>;
    // The host freezes: nothing of it reaches the agent on any link, not even its closing them.
    for (const link of dialed) link.freeze();
    const [error] = await within(5000, 'the agent gives up on the host', disconnected);
    expect(error.message).to.equal('heartbeat timeout');
    await within(2000, 'the call links close with the session', closed);
  });
});
