// A gateway call that waits for its agent (`vmrpc-agent-wait`) is authorized again once the agent
// came: authorize saw no agent before the wait, so a label policy must decide on the one that
// registered. And a wait cut short by host.close() is UNAVAILABLE (retryable), not NOT_FOUND.
import { AgentHost, GuestAgent, Status, closeClient, createClient, type AgentInfo } from '@vmrpc/rpc';
import { expect } from 'chai';
import { rejection, socketPath, within } from '../../support/checks.js';
import { StreamingService } from '../generated/vmrpc/testing/v1/streaming.js';
import { newLog, streamingImplementation } from '../streaming-service.js';
import { FAST, waitStarted } from './agent-suite.js';

describe('AgentHost gateway: vmrpc-agent-wait and authorize', function () {
  this.timeout(20_000);

  it('authorizes again on the agent that came: a label policy refuses the secret agent it could not see before', async function () {
    const seen: string[] = [];
    const host = new AgentHost(FAST);
    const agents = `unix:${socketPath('gw-wait-agents')}`;
    const gateway = `unix:${socketPath('gw-wait-gateway')}`;
    await host.listen(agents);
    await host.listen(gateway, {
      gateway: {
        // Unknown ids pass so that the caller learns NOT_FOUND; agents labelled secret do not.
        authorize: (_caller, agent: AgentInfo | undefined) => {
          seen.push(agent === undefined ? 'none' : `tier=${agent.labels.tier}`);
          return agent === undefined || agent.labels.tier !== 'secret';
        },
      },
    });
    const secret = new GuestAgent({ id: 'vm-secret', labels: { tier: 'secret' }, reconnect: { initialMs: 50, maxMs: 200 } }).add(StreamingService, streamingImplementation(newLog()));
    const client = createClient(StreamingService, gateway, { defaultCallOptions: { metadata: { 'vmrpc-agent': 'vm-secret', 'vmrpc-agent-wait': '8000' } } });
    try {
      const subscribed = waitStarted(host);
      const waiting = rejection(client.act({ value: 1n }));
      await within(5000, 'the gateway waits for the agent', subscribed);
      await within(5000, 'the agent registers', secret.connect(agents));
      const error = await within(8000, 'the waiting call', waiting);
      expect(error).to.include({ code: Status.PERMISSION_DENIED });
      expect(seen).to.deep.equal(['none', 'tier=secret']);
    } finally {
      closeClient(client);
      await secret.close(0);
      await host.close(0);
    }
  });

  it('a wait for an unknown agent that host.close() cuts short is UNAVAILABLE, not NOT_FOUND', async function () {
    const host = new AgentHost(FAST);
    const gateway = `unix:${socketPath('gw-wait-close')}`;
    await host.listen(gateway, { admin: true, gateway: true });
    const client = createClient(StreamingService, gateway, { defaultCallOptions: { metadata: { 'vmrpc-agent': 'vm-never', 'vmrpc-agent-wait': '8000' } } });
    try {
      const subscribed = waitStarted(host);
      const waiting = rejection(client.act({ value: 1n }));
      await within(5000, 'the gateway waits for the agent', subscribed);
      const closing = host.close(2000);
      const error = await within(5000, 'the waiting call', waiting);
      expect(error).to.include({ code: Status.UNAVAILABLE });
      expect((error as { details?: string }).details).to.contain('the agent host closed while the call waited');
      await within(5000, 'close', closing);
    } finally {
      closeClient(client);
      await host.close(0);
    }
  });
});
