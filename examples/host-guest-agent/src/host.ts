/**
 * The host side of the example: an AgentHost that accepts guest agents, lists them as they come
 * and go, and calls each one's Guest service (system info, commands, files), printing the answers.
 *
 *   node dist/host.js [--listen vsock:any:22093] [--run "uname -a"]... [--read /etc/os-release]... [--once]
 */
import { DEFAULT_AGENT_PORT, AgentHost } from '@vmrpc/rpc';
import { formatTarget } from '@vmrpc/native';
import { exitWith, HELP, parseCommandLine, say, seconds } from './cli';
import { agentLine } from './host/report';
import { visitAgent, type VisitPlan } from './host/visit';

const NAME = 'host';
const DEFAULT_LISTEN = `vsock:any:${DEFAULT_AGENT_PORT}`;
const USAGE = `usage: node dist/host.js [options]

  --listen TARGET    where agents register (default ${DEFAULT_LISTEN}: any guest of this host)
  --run "CMD ARGS"   a command to run on each agent, split at spaces, or a JSON array of
                     arguments ('["sh","-c","echo hi; sleep 1"]'); repeatable (default "uname -a")
  --read PATH        a file to read from each agent; repeatable (default /etc/os-release)
  --once             exit after calling the first agent (exit code 1 if a call failed)
  --wait S           with --once: how long to wait for an agent (default 60)
`;

const options = parseCommandLine(NAME, USAGE, {
  help: HELP,
  listen: { type: 'string', default: DEFAULT_LISTEN },
  run: { type: 'string', multiple: true, default: ['uname -a'] },
  read: { type: 'string', multiple: true, default: ['/etc/os-release'] },
  once: { type: 'boolean', default: false },
  wait: { type: 'string' },
});
const plan: VisitPlan = {
  commands: options.run.map(commandArgv),
  files: options.read,
};
/** `uname -a` or `["sh","-c","echo hi"]` as argv. */
function commandArgv(command: string): string[] {
  if (!command.startsWith('[')) return command.split(' ').filter((word) => word !== '');
  try {
    const argv: unknown = JSON.parse(command);
    if (Array.isArray(argv) && argv.every((word: unknown): word is string => typeof word === 'string')) return argv;
  } catch {
    // Reported below, as any other malformed array.
  }
  return exitWith(NAME, `--run ${command}: not a JSON array of strings`, 2);
}

const waitMs = seconds(NAME, 'wait', options.wait, 60);

/** The first visit's outcome, or an error after `ms` without any agent. */
function firstVisit(visit: Promise<boolean>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no agent registered within ${ms / 1000} s`)), ms);
  });
  return Promise.race([visit, timeout]).finally(() => clearTimeout(timer));
}

async function main(): Promise<void> {
  const host = new AgentHost();
  // One agent at a time, so the answers of two agents do not interleave.
  let visits = Promise.resolve(true);
  let first: (visit: Promise<boolean>) => void = () => undefined;
  const firstDone = new Promise<Promise<boolean>>((resolve) => (first = resolve));
  host.on('online', (agent) => {
    say(`host: agent ${agent.id} is online (${agent.services.join(', ')})`);
    say('host: agents now:');
    for (const known of host.list()) say(agentLine(known));
    visits = visits.then(() => visitAgent(host, agent.id, plan, say));
    first(visits);
    first = () => undefined;
  });
  host.on('offline', (agent, reason) => say(`host: agent ${agent.id} is offline (${reason})`));

  const address = await host.listen(options.listen).catch((error: Error) => exitWith(NAME, `cannot listen on ${options.listen}: ${error.message}`));
  say(`host: listening for agents on ${formatTarget(address)}`);
  if (!options.once) {
    const stop = (): void => void host.close(2000).then(() => say('host: closed'));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return;
  }
  const ok = await firstVisit(firstDone.then((visit) => visit), waitMs).catch((error: Error) => {
    say(`host: ${error.message}`);
    return false;
  });
  say(`host: done (${ok ? 'every call answered' : 'a call failed'}); closing, which tells the agents to drain`);
  await host.close(2000);
  process.exitCode = ok ? 0 : 1;
}

main().catch((error: Error) => exitWith(NAME, error.message));
