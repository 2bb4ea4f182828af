/**
 * The echo agent for profiling: `node profiled-agent.js TARGET ID PROFILE_FILE`. Prints "registered";
 * on stdin "start" starts profiling (prints "started"), on "stop" writes PROFILE_FILE and prints "stopped".
 */
import { createInterface } from 'node:readline';
import { GuestAgent } from '@vmrpc/rpc';
import { EchoService } from '../../rpc/generated/vmrpc/echo/v1/echo.js';
import { echoImplementation } from '../../rpc/agent/echo-agent.js';
import { startProfile } from './inspector-profiler.js';

const [target = '', id = '', file = ''] = process.argv.slice(2);
const agent = new GuestAgent({ id }).add(EchoService, echoImplementation(id));
agent.once('registered', () => process.stdout.write('registered\n'));
void agent.connect(target);
let stop: (() => Promise<void>) | undefined;
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'start') void startProfile(file).then((stopper) => ((stop = stopper), process.stdout.write('started\n')));
  if (line === 'stop') void stop?.().then(() => process.stdout.write('stopped\n'));
});
process.stdin.on('end', () => process.exit(0));
