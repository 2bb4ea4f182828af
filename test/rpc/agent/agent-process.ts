/**
 * A guest agent in a process of its own, for tests that kill or freeze it:
 *   node agent-process.js <host target> <agent id> [heartbeat-free: no]
 * Prints `registered <session>` on each registration.
 */
import { GuestAgent } from '@vmrpc/rpc';
import { EchoService } from '../generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from './echo-agent.js';

const [target = '', id = ''] = process.argv.slice(2);
// VMRPC_AGENT_LOG=1 shows the agent's log on stderr (debugging a test).
const logger = process.env.VMRPC_AGENT_LOG === '1' ? console : undefined;
const agent = new GuestAgent({ id, reconnect: { initialMs: 50, maxMs: 200 }, ...(logger === undefined ? {} : { logger }) }).add(EchoService, echoImplementation(id));
agent.on('registered', (registration) => process.stdout.write(`registered ${registration.sessionId}\n`));
agent.on('close', (error) => {
  process.stdout.write(`closed ${error?.message ?? ''}\n`);
  process.exitCode = error === undefined ? 0 : 1;
});
void agent.connect(target).catch(() => undefined);
process.on('SIGTERM', () => void agent.close(2000));
