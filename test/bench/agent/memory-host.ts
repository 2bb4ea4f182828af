/**
 * An AgentHost alone in its process, for memory figures: `node --expose-gc memory-host.js TARGET N`.
 * Prints "rss-idle <bytes>" once listening, then "rss-agents <count> <bytes>" after 1 and after N
 * agents are online (after a full GC each time), and exits when stdin closes.
 */
import { AgentHost } from '@vmrpc/rpc';
import { rssAfterGc } from './rss.js';

const [target = '', countText = '200'] = process.argv.slice(2);
const count = Number(countText);
const host = new AgentHost({ maxAgents: count + 8, maxAgentsPerPeer: count + 8, maxConnectionsPerPeer: 2 * count + 16 });
await host.listen(target);
process.stdout.write(`rss-idle ${rssAfterGc()}\n`);
const reported = new Set<number>();
host.on('online', () => {
  const online = host.list().filter((agent) => agent.state === 'online').length;
  if ((online === 1 || online === count) && !reported.has(online)) {
    reported.add(online);
    process.stdout.write(`rss-agents ${online} ${rssAfterGc()}\n`);
  }
});
process.stdin.resume();
process.stdin.on('end', () => void host.close(1000).then(() => process.exit(0)));
