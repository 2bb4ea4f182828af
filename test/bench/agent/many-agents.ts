/**
 * N idle GuestAgents in one process, for memory figures: `node --expose-gc many-agents.js TARGET N`.
 * Prints "rss-start <bytes>", then "rss-registered <N> <bytes>" once all registered (after a full GC).
 */
import { GuestAgent } from '@vmrpc/rpc';
import { EchoService } from '../../rpc/generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from '../../rpc/agent/echo-agent.js';
import { rssAfterGc } from './rss.js';

const [target = '', countText = '200'] = process.argv.slice(2);
const count = Number(countText);
process.stdout.write(`rss-start ${rssAfterGc()}\n`);
let registered = 0;
for (let i = 0; i < count; i++) {
  const agent = new GuestAgent({ id: `idle-${i}` }).add(EchoService, echoImplementation(`idle-${i}`));
  agent.once('registered', () => {
    if (++registered === count) process.stdout.write(`rss-registered ${count} ${rssAfterGc()}\n`);
  });
  // Registration failures surface as a missing "rss-registered" line, which the caller bounds.
  void agent.connect(target).catch((error: Error) => process.stderr.write(`idle-${i}: ${error.message}\n`));
}
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
