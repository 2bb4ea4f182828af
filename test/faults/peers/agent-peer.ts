/**
 * A guest agent in a process of its own: `node agent-peer.js <host target> <agent id>`.
 * Serves Echo (say answers `<id>: <message>`); prints `registered <session>` on each registration.
 */
import { GuestAgent } from '@vmrpc/rpc';
import { EchoService } from '../../rpc/generated/vmrpc/echo/v1/echo.js';

const [target = '', id = ''] = process.argv.slice(2);
const agent = new GuestAgent({ id, reconnect: { initialMs: 50, maxMs: 250 } }).add(EchoService, {
  say: (request, context) => ({ message: `${id}: ${request.message}`, peer: context.peer }),
  // eslint-disable-next-line require-yield
  async *repeat() {},
});
agent.on('registered', (registration) => process.stdout.write(`registered ${registration.sessionId}\n`));
void agent.connect(target).catch(() => undefined);
