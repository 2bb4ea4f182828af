/**
 * An agent host in a process of its own: `node agent-host-peer.js <target>`. Prints `ready`
 * once listening, and `online <id>` / `offline <id> <reason>` as agents come and go.
 */
import { rmSync } from 'node:fs';
import { AgentHost } from '@vmrpc/rpc';

const target = process.argv[2] ?? '';
// A crashed predecessor leaves its socket file behind.
if (target.startsWith('unix:')) rmSync(target.slice(5), { force: true });
const host = new AgentHost({ heartbeatIntervalMs: 500 });
host.on('online', (agent) => process.stdout.write(`online ${agent.id}\n`));
host.on('offline', (agent, reason) => process.stdout.write(`offline ${agent.id} ${reason}\n`));
await host.listen(target);
process.stdout.write('ready\n');
