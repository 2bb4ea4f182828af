/**
 * An AgentHost with an admin gateway listener in a process of its own, so a test can measure
 * what the host holds apart from the agent and the caller:
 *   node --expose-gc gateway-host-process.js <agents target> <admin target>
 * Sends 'ready' once listening; answers 'measure' with its arrayBuffers bytes after a full GC.
 */
import { AgentHost } from '@vmrpc/rpc';

const [agents = '', admin = ''] = process.argv.slice(2);
const host = new AgentHost();
await host.listen(agents);
await host.listen(admin, { admin: true, gateway: true });
process.on('message', (message) => {
  if (message !== 'measure') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc === undefined) throw new Error('run with --expose-gc');
  gc();
  gc();
  process.send!({ arrayBuffers: process.memoryUsage().arrayBuffers });
});
// Ends once the host closed (not process.exit(): docs/troubleshooting.md, "A Node process that does not exit").
process.on('disconnect', () => void host.close(0));
process.send!('ready');
