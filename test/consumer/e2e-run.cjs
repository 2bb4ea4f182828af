// One end-to-end run of the consumer project's dist/e2e.js: it starts a host, a guest agent and a
// typed server; then the installed `vmrpc` CLI lists the agent (admin listener) and calls the
// server, and the run ends when its stdin does. Over hybrid vsock the VMM is the Firecracker
// muxer STAND-IN of test/support (no VMM can run here): its guest port 7000 leads to the server.
'use strict';

const { spawn } = require('node:child_process');
const net = require('node:net');
const path = require('node:path');
const { pathToFileURL } = require('node:url');

const STANDIN = path.resolve(__dirname, '../.build/support/firecracker-muxer-standin.js');
const BOUND_MS = 60_000;

/** Relays each connection the stand-in hands to guest port `port` to the Unix socket `target`. */
function relay(muxer, port, target) {
  muxer.guestListen(port, (stream) => {
    const guest = net.connect(target);
    stream.on('error', () => undefined);
    guest.on('error', () => undefined);
    stream.once('close', () => guest.destroy());
    guest.once('close', () => stream.destroy());
    stream.pipe(guest).pipe(stream);
  });
}

/** The first stdout line of `child` (bounded), or the reason there is none. */
function firstLine(child) {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(() => reject(new Error(`e2e.js printed no ready line in ${BOUND_MS} ms\n${err}`)), BOUND_MS);
    child.stderr.on('data', (chunk) => (err += chunk));
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const newline = out.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        resolve(JSON.parse(out.slice(0, newline)));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`e2e.js exited ${code} before it was ready\n${err}`));
    });
  });
}

function exited(child) {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => reject(new Error(`e2e.js did not exit within ${BOUND_MS} ms of its stdin ending`)), BOUND_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

/** Runs the installed `vmrpc` (asynchronously: the stand-in muxer lives in this process). */
function cli(project, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(project, 'node_modules/.bin/vmrpc'), args, { cwd: project, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (out += chunk));
    const timer = setTimeout(() => child.kill(), BOUND_MS);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`vmrpc ${args.join(' ')} exited ${code ?? signal}\n${out}`));
    });
  });
}

async function e2e(project, mode, sockets) {
  let muxer;
  if (mode === 'hybrid') {
    const { FirecrackerMuxerStandIn } = await import(pathToFileURL(STANDIN).href);
    muxer = new FirecrackerMuxerStandIn(path.join(sockets, 'fc.sock'));
    await muxer.start();
    relay(muxer, 7000, path.join(sockets, 'greeter.sock'));
  }
  const child = spawn(process.execPath, ['dist/e2e.js', mode, sockets], { cwd: project, stdio: ['pipe', 'pipe', 'pipe'] });
  try {
    const ready = await firstLine(child);
    if (ready.viaAgent.greeting !== 'hello, agent') throw new Error(`the agent answered ${JSON.stringify(ready.viaAgent)}`);
    const agents = (await cli(project, ['agents', '--json', ready.admin])).trim().split('\n').map((line) => JSON.parse(line));
    if (!agents.some((agent) => agent.agentId === 'consumer-vm' && agent.state === 'online')) throw new Error(`vmrpc agents did not list consumer-vm: ${JSON.stringify(agents)}`);
    const reply = JSON.parse(await cli(project, ['call', '--proto', 'consumer/v1/greeter.proto', '-I', 'proto', ready.greeterCall, 'consumer.v1.Greeter/Hello', '{"name": "cli"}']));
    if (reply.greeting !== 'hello, cli') throw new Error(`vmrpc call answered ${JSON.stringify(reply)}`);
    child.stdin.end();
    const code = await exited(child);
    if (code !== 0) throw new Error(`e2e.js exited ${code}`);
    console.log(`consumer: e2e over ${mode}: agent ${JSON.stringify(ready.viaAgent)}, vmrpc agents and vmrpc call ${ready.greeterCall} ok`);
  } finally {
    child.kill();
    await muxer?.stop();
  }
}

module.exports = { e2e };
