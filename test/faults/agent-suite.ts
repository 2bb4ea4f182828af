/**
 * Agents under faults: an agent process killed (the host marks it offline and serves its
 * successor), and the host process killed and restarted (agents register again by themselves).
 * Only the public AgentHost / GuestAgent API is used.
 */
import { expect } from 'chai';
import { AgentHost, GuestAgent, closeClient } from '@vmrpc/rpc';
import { EchoService } from '../rpc/generated/vmrpc/echo/v1/echo.js';
import { recordFigure } from './support/figures.js';
import { PeerProcess, until } from './support/peer.js';
import { expectNoGrowth, snapshot } from './support/resources.js';
import { generous } from './support/scale.js';

export function agentSuite(carrier: string, target: (name: string) => { listen: string; dial: string }): void {
  describe(`agents under faults over ${carrier}`, function () {
    this.timeout(generous(60_000));

    it('an agent process killed: offline at once, its successor registers and is called', async () => {
      const { listen, dial } = target('agent-kill');
      const before = await snapshot();
      const host = new AgentHost({ heartbeatIntervalMs: 500 });
      const offline: string[] = [];
      host.on('offline', (agent, reason) => offline.push(`${agent.id} ${reason}`));
      await host.listen(listen);
      let peer = PeerProcess.start('agent-peer', [dial, 'victim']);
      try {
        await host.waitFor('victim', { timeoutMs: generous(20_000) });
        const echo = host.agent('victim').client(EchoService);
        expect((await echo.say({ message: 'hi' })).message).to.equal('victim: hi');
        const killedAt = Date.now();
        peer.kill('SIGKILL');
        await until(() => offline.length > 0, generous(5000), 'the host to see the agent offline');
        const noticed = Date.now() - killedAt;
        expect(offline[0]).to.match(/^victim (disconnected|heartbeat-timeout)$/);
        const failed = await echo.say({ message: 'gone?' }).then(() => 'answered', (error: Error) => error.message);
        expect(failed).to.not.equal('answered');
        peer = PeerProcess.start('agent-peer', [dial, 'victim']);
        await host.waitFor('victim', { timeoutMs: generous(20_000) });
        expect((await echo.say({ message: 'again' }, { waitForReady: true, timeoutMs: generous(10_000) })).message).to.equal('victim: again');
        closeClient(echo);
        recordFigure({ group: 'faults', what: 'agent process killed (SIGKILL), then restarted', carrier, result: `host saw it offline (${offline[0]!.split(' ')[1]}) after ${noticed} ms; the new process registered and answered`, counts: { faults: 1 } });
      } finally {
        await peer.stop();
        await host.close(0);
      }
      await expectNoGrowth(before, { heapBytes: 16 << 20 });
    });

    it('the host process killed and restarted: the agent registers again by itself', async () => {
      const { listen, dial } = target('host-kill');
      let hostPeer = PeerProcess.start('agent-host-peer', [listen]);
      await hostPeer.waitFor(/^ready$/m, generous(15_000));
      const registrations: string[] = [];
      const agent = new GuestAgent({ id: 'survivor', reconnect: { initialMs: 50, maxMs: 250 } }).add(EchoService, {
        say: (request) => ({ message: request.message }),
        async *repeat() {},
      });
      agent.on('registered', (registration) => registrations.push(registration.sessionId));
      try {
        await agent.connect(dial);
        await hostPeer.waitFor(/^online survivor$/m, generous(10_000));
        hostPeer.kill('SIGKILL');
        await hostPeer.exited;
        hostPeer = PeerProcess.start('agent-host-peer', [listen]);
        await hostPeer.waitFor(/^ready$/m, generous(15_000));
        const restartedAt = Date.now();
        await hostPeer.waitFor(/^online survivor$/m, generous(20_000));
        // The host is online first; the agent hears `registered` a moment later.
        await until(() => registrations.length === 2, generous(5000), 'the agent to see its second registration');
        expect(registrations[1]).to.not.equal(registrations[0]);
        recordFigure({ group: 'faults', what: 'agent host process killed (SIGKILL) and restarted', carrier, result: `the agent registered again ${Date.now() - restartedAt} ms after the new host listened`, counts: { faults: 1 } });
      } finally {
        await agent.close(0);
        await hostPeer.stop();
      }
    });
  });
}
