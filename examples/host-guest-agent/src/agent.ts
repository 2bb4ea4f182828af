/**
 * The guest side of the example: a GuestAgent serving the Guest service (system info,
 * allowed commands, files under readable roots) to the host it registers with.
 *
 *   node dist/agent.js [--connect vsock:2:22093] [--allow uname]... [--read-root /etc]...
 */
// First, so that what the imports below compile is cached for the next start.
import './compile-cache';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, resolve } from 'node:path';
import { DEFAULT_HOST_TARGET, GuestAgent } from '@vmrpc/rpc';
import { exitWith, HELP, parseCommandLine, say, seconds } from './cli';
import { GuestService } from './generated/vmrpc/examples/guest/v1/guest';
import { guestService, type GuestPolicy } from './guest/guest-service';

const NAME = 'agent';
const USAGE = `usage: node dist/agent.js [options]

  --connect TARGET       the host to register with (default ${DEFAULT_HOST_TARGET}: the host of this VM)
  --id ID                the agent's id (default: this machine's hostname)
  --allow COMMAND        a command the host may run (argv[0] as the host sends it); repeatable
  --allow-any-command    let the host run any command (it can then do anything this user can)
  --command-timeout S    commands are killed after this many seconds (default 10)
  --read-root DIR        a directory the host may read files under; repeatable (default /etc /proc /var/log)
  --max-read-bytes N     the largest file the host may read (default 1048576)
  --once                 exit when the host goes away instead of waiting for it to come back
`;

const options = parseCommandLine(NAME, USAGE, {
  help: HELP,
  connect: { type: 'string', default: DEFAULT_HOST_TARGET },
  id: { type: 'string' },
  allow: { type: 'string', multiple: true, default: [] },
  'allow-any-command': { type: 'boolean', default: false },
  'command-timeout': { type: 'string' },
  'read-root': { type: 'string', multiple: true, default: ['/etc', '/proc', '/var/log'] },
  'max-read-bytes': { type: 'string', default: String(1 << 20) },
  once: { type: 'boolean', default: false },
});

/** Hostnames may hold characters an agent id may not (a bare guest's is `(none)`). */
function defaultId(): string {
  const id = hostname().replace(/[^A-Za-z0-9._:@-]+/g, '-').replace(/^[^A-Za-z0-9]+|-+$/g, '');
  return id === '' ? 'guest' : id;
}

/** Roots as absolute paths; a root that does not exist is a mistake worth one line now. */
function readRoots(dirs: readonly string[]): string[] {
  return dirs.map((dir) => {
    if (!isAbsolute(dir)) return exitWith(NAME, `--read-root must be an absolute directory, not ${dir}`, 2);
    if (!existsSync(dir)) return exitWith(NAME, `--read-root ${dir} does not exist`, 2);
    return resolve(dir);
  });
}

const maxBytes = Number(options['max-read-bytes']);
if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) exitWith(NAME, `--max-read-bytes must be a whole number of bytes, not ${options['max-read-bytes']}`, 2);
const policy: GuestPolicy = {
  commands: { allowed: new Set(options.allow), anyCommand: options['allow-any-command'], timeoutMs: seconds(NAME, 'command-timeout', options['command-timeout'], 10) },
  files: { roots: readRoots(options['read-root']), maxBytes },
};

let agent: GuestAgent;
try {
  agent = new GuestAgent({ id: options.id ?? defaultId(), version: '0.1.0', labels: { example: 'host-guest-agent' } });
} catch (error) {
  exitWith(NAME, (error as Error).message, 2);
}
agent.add(GuestService, guestService(policy));

const commands = policy.commands.anyCommand ? 'ANY (--allow-any-command)' : policy.commands.allowed.size === 0 ? 'none (see --allow)' : [...policy.commands.allowed].join(', ');
say(`agent ${agent.id}: registering with ${options.connect}; commands allowed: ${commands}; readable: ${policy.files.roots.join(', ')}`);

let lastProblem = '';
agent.on('registered', (registration) => {
  lastProblem = '';
  say(`agent ${agent.id}: registered; the host sees this guest as ${registration.peer} (session ${registration.sessionId.slice(0, 8)})`);
});
agent.on('disconnected', (error) => {
  // The agent retries with backoff; one line per new reason, not one per attempt.
  if (error.message !== lastProblem && agent.state !== 'draining') say(`agent ${agent.id}: not connected (${error.message}); retrying`);
  lastProblem = error.message;
});
agent.on('hostDraining', (reason) => {
  say(`agent ${agent.id}: the host is going away (${reason})${options.once ? '; exiting (--once)' : '; will register again when it is back'}`);
  if (options.once) void agent.close(2000);
});
agent.on('close', (error) => {
  say(`agent ${agent.id}: closed${error === undefined ? '' : ` (${error.message})`}`);
  process.exitCode = error === undefined ? 0 : 1;
});

const stop = (): void => void agent.close(2000);
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

// Through then(): a malformed target throws at once, a refusal later; both end the same way.
Promise.resolve()
  .then(() => agent.connect(options.connect))
  .catch((error: Error) => {
    // Refusals that retrying cannot fix (PERMISSION_DENIED, a protocol mismatch, a bad target).
    exitWith(NAME, `cannot register with ${options.connect}: ${error.message}`);
  });
