/**
 * `pnpm demo`: the example end to end. A host listens, a guest agent registers with it, and the
 * host lists the agent and calls it: system info, commands with streamed output (and one the
 * agent refuses), file reads (and a missing file). It always says which transport it used and why.
 *
 *   node dist/demo.js [--transport auto|unix|vsock-loopback] [--port 22093]
 *   node dist/demo.js --vm      # with the project's microVM (test/vm/run-demo.ts)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_AGENT_PORT } from '@vmrpc/rpc';
import { exitWith, HELP, parseCommandLine, say } from './cli';
import { boundedExit, startChild } from './demo/child';
import { demoAgentArgs, demoHostArgs } from './demo/plan';
import { chooseTransport, type DemoTransport, type TransportRequest } from './demo/transport';

const NAME = 'demo';
const USAGE = `usage: pnpm demo [--vm] [--transport auto|unix|vsock-loopback] [--port N]

  --vm             boot the project's microVM (QEMU) and run the demo with it
  --transport T    auto (default): vsock loopback when this kernel has it, else a Unix socket
  --port N         the vsock port (default ${DEFAULT_AGENT_PORT})
  --role R         host or agent: run one side only, on --target (what --vm runs on each side)
  --target T       the target of --role
`;
/** Bounds the whole local run: the host waits this long for the agent, each process this long to end. */
const WAIT_SECONDS = 30;
const LISTEN_MS = 30_000;

const options = parseCommandLine(NAME, USAGE, {
  help: HELP,
  vm: { type: 'boolean', default: false },
  transport: { type: 'string', default: 'auto' },
  port: { type: 'string', default: String(DEFAULT_AGENT_PORT) },
  role: { type: 'string' },
  target: { type: 'string' },
});

const HOST_JS = join(__dirname, 'host.js');
const AGENT_JS = join(__dirname, 'agent.js');
/** dist/ of examples/host-guest-agent, three levels below the checkout. */
const CHECKOUT = resolve(__dirname, '..', '..', '..');

/** Runs `node script args` with this terminal; resolves with its exit code. */
function runAttached(script: string, args: readonly string[]): Promise<number> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [script, ...args], { stdio: 'inherit' });
    child.once('error', (error) => {
      process.stderr.write(`${NAME}: cannot start ${script}: ${error.message}\n`);
      done(1);
    });
    child.once('close', (code) => done(code ?? 1));
  });
}

async function runLocally(transport: DemoTransport): Promise<number> {
  say(`transport: ${transport.name} (${transport.listen})`);
  say(`  why: ${transport.why}`);
  const started = Date.now();
  const host = startChild('host  | ', HOST_JS, demoHostArgs(transport.listen, WAIT_SECONDS));
  let codes: number[];
  try {
    // The agent would retry until the host listens; starting it after keeps the output calm.
    await host.waitForLine(/^host: listening/, LISTEN_MS);
    const agent = startChild('agent | ', AGENT_JS, demoAgentArgs(transport.connect));
    codes = await Promise.all([boundedExit(host, (WAIT_SECONDS + 15) * 1000), boundedExit(agent, (WAIT_SECONDS + 15) * 1000)]);
  } catch (error) {
    say(`${NAME}: ${(error as Error).message}`);
    host.process.kill('SIGKILL');
    codes = [1];
  } finally {
    transport.cleanup();
  }
  const ok = codes.every((code) => code === 0);
  say(`${NAME}: ${ok ? 'done' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s over ${transport.name} (exit codes: host ${codes[0]}, agent ${codes[1] ?? 'not started'})`);
  return ok ? 0 : 1;
}

async function main(): Promise<number> {
  if (options.vm) {
    const runner = join(CHECKOUT, 'test', '.build', 'vm', 'run-demo.js');
    if (!existsSync(runner)) exitWith(NAME, `--vm needs ${runner}: run \`pnpm build\` (it compiles test/vm) first`);
    return runAttached(runner, []);
  }
  if (options.role !== undefined) {
    if (options.target === undefined) exitWith(NAME, '--role needs --target', 2);
    if (options.role === 'host') return runAttached(HOST_JS, demoHostArgs(options.target, 120));
    if (options.role === 'agent') return runAttached(AGENT_JS, demoAgentArgs(options.target));
    exitWith(NAME, `--role must be host or agent, not ${options.role}`, 2);
  }
  const request = options.transport;
  if (request !== 'auto' && request !== 'unix' && request !== 'vsock-loopback') exitWith(NAME, `--transport must be auto, unix or vsock-loopback, not ${request}`, 2);
  const port = Number(options.port);
  if (!Number.isInteger(port) || port <= 0 || port >= 0xffffffff) exitWith(NAME, `--port must be a vsock port number, not ${options.port}`, 2);
  say('vmrpc demo: a guest agent registers with its host, which lists it and calls it (examples/host-guest-agent)');
  let transport: DemoTransport;
  try {
    transport = chooseTransport(request as TransportRequest, port);
  } catch (error) {
    return exitWith(NAME, (error as Error).message, 2);
  }
  return runLocally(transport);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: Error) => exitWith(NAME, error.message),
);
