/**
 * The test echo agent (as agent-rows.ts runs it) that also records its garbage collections:
 *   node probe-agent.js TARGET ID
 * Prints "registered"; on stdin "start" starts recording, on "stop" prints one line
 * "gc <json of GcEvent[]>".
 */
import { createInterface } from 'node:readline';
import { GuestAgent } from '@vmrpc/rpc';
import { EchoService } from '../../rpc/generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from '../../rpc/agent/echo-agent.js';
import { recordAsync } from './async-census.js';
import { recordGc } from './gc-events.js';

const [target = '', id = ''] = process.argv.slice(2);
const agent = new GuestAgent({ id }).add(EchoService, echoImplementation(id));
agent.once('registered', () => process.stdout.write('registered\n'));
void agent.connect(target);
// VMRPC_PROBE_ASYNC=1 records async resources instead of garbage collections.
const census = process.env.VMRPC_PROBE_ASYNC === '1';
let stop: (() => unknown) | undefined;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'start') {
    stop = census ? recordAsync() : recordGc();
    process.stdout.write('started\n');
  }
  if (line === 'stop') process.stdout.write(`${census ? 'async' : 'gc'} ${JSON.stringify(stop?.() ?? [])}\n`);
});
// Ends once the agent closed (not process.exit(): docs/troubleshooting.md, "A Node process that does not exit").
process.stdin.on('end', () => void agent.close());
