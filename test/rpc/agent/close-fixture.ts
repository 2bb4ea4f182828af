// The fixture of the close(graceMs) tests of both ends (guest-close, host-close): an AgentHost
// on a Unix socket and one GuestAgent registered with it, serving an Echo whose calls can be held.
import { AgentHost, GuestAgent } from '@vmrpc/rpc';
import { socketPath, within } from '../../support/checks.js';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { FAST } from './agent-suite.js';
import { heldEcho } from './echo-agent.js';

export interface CloseFixture {
  target: string;
  host: AgentHost;
  agent: GuestAgent;
  echo: ReturnType<typeof heldEcho>;
}

/** Listens on a fresh socket named after `name` and registers the agent `vm-close`. */
export async function closeFixture(name: string): Promise<CloseFixture> {
  const target = `unix:${socketPath(name)}`;
  const host = new AgentHost(FAST);
  await host.listen(target);
  const echo = heldEcho('vm-close');
  const agent = new GuestAgent({ id: 'vm-close', reconnect: { initialMs: 50, maxMs: 200 }, registrationTimeoutMs: 2000 }).add(EchoService, echo.implementation);
  await within(5000, 'registration', agent.connect(target));
  return { target, host, agent, echo };
}
